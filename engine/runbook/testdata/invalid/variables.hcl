runbook "t" {}

variable "count" {
  type    = number
  default = "many" # ERROR: Invalid default value for variable
}

variable "servers" {
  type = lst(string) # ERROR: Invalid type specification
}

variable "computed" {
  default = var.count # ERROR: Variables not allowed
}

variable "flag" {
  sensitive = "maybe" # ERROR: Incorrect value type
}

variable "bad-validation" {
  validation { # ERROR: Missing required argument
    condition = "yes" # ERROR: Incorrect value type
  }
}
