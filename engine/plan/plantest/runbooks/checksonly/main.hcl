runbook "health_report" {
  title   = "Read-only health report"
  version = "1.0.0"
}

target "site" {
  type   = "fake_site"
  server = "cm01.contoso.com"
}

check "site_type" {
  uses   = "site_fact"
  target = target.site
  fact   = "site"

  assert {
    condition = self.output.type != ""
    message   = "The site has no type."
  }
}

check "site_health" {
  uses       = "site_fact"
  target     = target.site
  fact       = "health"
  on_failure = "continue"
  depends_on = [step.site_type]

  assert {
    condition = self.output.healthy
    message   = "The site is not healthy."
  }
}
