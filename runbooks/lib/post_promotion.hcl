# What to do after a site server promotion, planned or not (domain reference
# §5, "Other tasks after site server promotion"): unlike a site recovery,
# no passwords are re-entered and Intune is not reconnected; only the tasks
# below, each when it applies. Included by planned_promotion and
# unplanned_failover (with lib/common.hcl).
#
# Contract with the including runbook: it declares
#   approval "cab"                  the go decision for the promotion;
#   action   "promote"              which depends_on the four snapshot_* checks below;
#   check    "promotion_verified"   the last verification of the new active server.
# The snapshots are taken after the approval and right before the promotion,
# because what is replicating at the moment of the switch decides PP-05/PP-06.

variable "store_for_business" {
  type        = bool
  description = "Is the Microsoft Store for Business connector configured (Administration > Cloud Services > Azure Services)? null: ask the site (the live backend cannot read it and reports false, so declare it). The service is deprecated since November 2021; most sites say false."
  default     = null
}

variable "pre_production_client" {
  type        = bool
  description = "Is a pre-production client enabled (Updates and Servicing > Client Update Options, automatic upgrade to a pre-production collection)? null: ask the site (the live backend cannot read it and reports false, so declare it)."
  default     = null
}

variable "boot_media_in_use" {
  type        = bool
  description = "Do you use bootable or prestaged OSD media (USB, ISO) created from this site? null: ask the site (the live backend cannot read it and reports false, so declare it)."
  default     = null
}

variable "pki_dp_server" {
  type        = string
  description = "The distribution point whose imported PKI certificate baton reimports after the promotion (PP-01), when the site imports DP certificates. Empty: every DP is listed for a person to do by hand."
  default     = ""
}

variable "pki_dp_certificate_path" {
  type        = string
  description = "Path of the .pfx certificate of pki_dp_server, as the SMS Provider sees it (a UNC path)."
  default     = ""
}

variable "pki_dp_certificate_password" {
  type        = string
  description = "Password of the .pfx certificate of pki_dp_server. Sensitive: never shown in plans, logs or the journal."
  sensitive   = true
  default     = ""
}

variable "redistribute_dp" {
  type        = string
  description = "Distribution point to redistribute interrupted site-to-site content to (PP-05). Empty: the site server of the first secondary site, which is where site-to-site content of a primary goes."
  default     = ""
}

check "features" {
  uses                  = "configmgr_features"
  description           = "Reads the site settings that decide which post-promotion tasks apply: how DP certificates are made (imported PKI or self-signed), PKI clients, PXE, OSD media, the Store for Business connector and the pre-production client. Variables, when set, override what the site reports (the live backend cannot read the last three)."
  refs                  = ["PP-01", "PP-02", "PP-03", "PP-04", "PP-07"]
  store_for_business    = var.store_for_business
  pre_production_client = var.pre_production_client
  boot_media_in_use     = var.boot_media_in_use
}

check "snapshot_distributions" {
  uses        = "configmgr_distributions"
  description = "Records, right before the promotion, which content is still distributing, and in particular which packages are being replicated between sites: file replication interrupted by the switch must be redistributed afterwards (PP-05)."
  refs        = ["R02", "PF-08", "PP-05"]
  depends_on  = [step.cab]
}

check "snapshot_replication" {
  uses        = "configmgr_replication"
  description = "Records, right before the promotion, the database replication links that are not healthy: a secondary site whose replication was running during the switch may need to be reinitialized afterwards (PP-06)."
  refs        = ["R03", "PF-02", "PP-06"]
  depends_on  = [step.cab]
}

check "snapshot_hierarchy" {
  uses        = "configmgr_hierarchy"
  description = "Records the secondary sites of the site right before the promotion: they are the sites PP-05 and PP-06 may apply to."
  refs        = ["R03", "PP-06"]
  depends_on  = [step.cab]
}

check "snapshot_updates" {
  uses          = "configmgr_updates"
  description   = "Records whether a site update was installed within the last 7 days (or is running) right before the promotion: with a pre-production client, promoting right after an update turns the pre-production client into the production client (R05, R06, PP-07)."
  refs          = ["R05", "PF-01", "PP-07"]
  recent_within = "7d"
  depends_on    = [step.cab]
}

manual "reimport_dp_certificates_by_hand" {
  description  = "PP-01 for the distribution points baton does not do itself."
  refs         = ["PP-01"]
  when         = step.features.output.dp_certificate_mode == "pki-imported"
  depends_on   = [step.promotion_verified]
  instructions = "The site imports PKI certificates for its distribution points. The new active site server may be unable to decrypt the stored certificates: distmgr.log on the new active server shows \"Failed to decrypt cert PFX data\". For every distribution point with an imported certificate (except pki_dp_server, which baton reimports after this step): Administration > Distribution Points > Properties > Communication > Import certificate, with the same .pfx and password; or Set-CMDistributionPoint -SiteSystemServerName <dp> -CertificatePath <pfx> -CertificatePassword <securestring>. Confirm when distmgr.log shows no more decrypt failures."
  reason       = "Each distribution point has its own certificate file and password, held by the PKI team; baton reimports one (pki_dp_server) and cannot know the others' files."
}

post "reimport_dp_certificate" {
  uses                 = "configmgr_reimport_dp_certificate"
  description          = "Reimports the PKI certificate of pki_dp_server, so that the new active site server can use it again (PP-01)."
  refs                 = ["PP-01"]
  when                 = step.features.output.dp_certificate_mode == "pki-imported" && var.pki_dp_server != ""
  dp                   = var.pki_dp_server
  certificate_path     = var.pki_dp_certificate_path
  certificate_password = var.pki_dp_certificate_password
  idempotent           = true
  timeout              = "15m"
}

post "reconnect_store_for_business" {
  uses        = "configmgr_reconnect_store_for_business"
  description = "Redoes the Microsoft Store for Business connection (Azure Services), which does not survive a change of site server (PP-02). Only when the connector is configured; the service is deprecated. On a live site this step fails with the instructions for the administrator (Administration > Cloud Services > Azure Services); the run goes on."
  refs        = ["PP-02"]
  when        = step.features.output.store_for_business
  idempotent  = true
  on_failure  = "continue"
  timeout     = "15m"
}

manual "recreate_boot_media" {
  description  = "PP-03: bootable and prestaged media carry certificates of the old site server."
  refs         = ["PP-03"]
  when         = step.features.output.boot_media_in_use && !step.features.output.pki_clients
  depends_on   = [step.promotion_verified]
  instructions = "Without PKI, the self-signed certificates inside bootable and prestaged media come from the machine keys of the server that created them, so existing media stop working. Recreate every bootable and prestaged media: Software Library > Operating Systems > Task Sequences > Create Task Sequence Media, and replace the USB sticks and ISO files in circulation. Tell the OSD team and the service desk."
  reason       = "Media are written to USB drives and ISO files outside the site, with choices (boot image, password, destination) only the OSD team knows."
}

manual "refresh_pxe_certificates" {
  description  = "PP-04: PXE-enabled distribution points with self-signed certificates."
  refs         = ["PP-04"]
  when         = step.features.output.pxe_distribution && step.features.output.dp_certificate_mode == "self-signed"
  depends_on   = [step.promotion_verified]
  instructions = "For every PXE-enabled distribution point: Administration > Distribution Points > Properties > Communication, change the expiry date and time of the self-signed certificate (any new value) and apply, so that the new active site server issues a new certificate. Then PXE-boot a test machine."
  reason       = "The certificate is renewed through the DP's properties; the PowerShell equivalent (Set-CMDistributionPoint -CertificateExpirationTimeUtc) is inferred, not documented for this purpose, so baton does not run it."
}

post "redistribute_site_to_site_content" {
  uses        = "configmgr_redistribute_content"
  description = "Redistributes the packages that were being replicated between sites when the site server switched (PP-05): their file replication was interrupted and does not resume by itself."
  refs        = ["PP-05"]
  when        = length(step.snapshot_distributions.output.site_to_site) > 0 && (var.redistribute_dp != "" || length(step.snapshot_hierarchy.output.secondaries) > 0)
  packages    = step.snapshot_distributions.output.site_to_site
  dp          = var.redistribute_dp != "" ? var.redistribute_dp : try(step.snapshot_hierarchy.output.secondaries[0].server_name, "")
  idempotent  = true
  on_failure  = "continue"
  timeout     = "30m"
}

manual "redistribute_by_hand" {
  description  = "PP-05 when baton cannot tell where the interrupted content was going."
  refs         = ["PP-05"]
  when         = length(step.snapshot_distributions.output.site_to_site) > 0 && var.redistribute_dp == "" && length(step.snapshot_hierarchy.output.secondaries) == 0
  depends_on   = [step.promotion_verified]
  instructions = "Content was being replicated to another site when the site server switched. In Monitoring > Distribution Status > Content Status, find the packages still in progress or failed towards the other site's distribution points and Redistribute them (right-click the DP row > Redistribute)."
  reason       = "The replication target is not a secondary site of this one and redistribute_dp is empty, so baton does not know which distribution point to redistribute to."
}

post "reinitialize_secondary" {
  uses        = "configmgr_reinit_secondary"
  description = "Reinitializes the database replication of the first secondary site whose replication was not healthy at the switch (PP-06). On a live site this step fails with the instructions for the administrator (Replication Link Analyzer); the run goes on."
  refs        = ["PP-06"]
  when        = length(distinct(flatten([for l in step.snapshot_replication.output.unhealthy : [for c in [l.from, l.to] : c if contains([for s in step.snapshot_hierarchy.output.secondaries : s.code], c)]]))) > 0
  site_code   = try(distinct(flatten([for l in step.snapshot_replication.output.unhealthy : [for c in [l.from, l.to] : c if contains([for s in step.snapshot_hierarchy.output.secondaries : s.code], c)]]))[0], "")
  idempotent  = true
  on_failure  = "continue"
  timeout     = "1h"
}

manual "reinitialize_other_secondaries" {
  description  = "PP-06 for every further secondary site with unhealthy replication."
  refs         = ["PP-06"]
  when         = length(distinct(flatten([for l in step.snapshot_replication.output.unhealthy : [for c in [l.from, l.to] : c if contains([for s in step.snapshot_hierarchy.output.secondaries : s.code], c)]]))) > 1
  depends_on   = [step.promotion_verified]
  instructions = "More than one secondary site had unhealthy database replication at the switch (see the snapshot_replication step's output). baton reinitializes the first after the main procedure; for each other one, follow \"Reinitialize a secondary site's replication\" in the SQL replication troubleshooting guide, and check that RCM_DrsInitializationTracking shows InitializationStatus 6 or 7 for its replication groups."
  reason       = "One secondary is reinitialized automatically; the runbook language has no loop over a list of sites."
}

manual "fix_pre_production_client_folder" {
  description  = "PP-07: the pre-production client became the production client."
  refs         = ["PP-07", "R06"]
  when         = step.features.output.pre_production_client && (length(step.snapshot_updates.output.recent) > 0 || length(step.snapshot_updates.output.in_progress) > 0)
  depends_on   = [step.promotion_verified]
  instructions = "Known issue: a site update writes the pre-production client into the passive server's Client folder, so after a promotion that follows an update, the pre-production version is the production client and automatic client upgrade can upgrade every client. Right now: check Updates and Servicing > Client Update Options; if automatic client upgrade is enabled, consider pausing it. Then either promote the pre-production client to production (if it was tested) or copy the production client files back into <install dir>\\Client on the new active site server, as described in \"How to test client upgrades in a pre-production collection\"."
  reason       = "Fixing the Client folder means copying files on the site server and deciding whether the pre-production client is ready for production: a person's judgement."
}

check "boot_images" {
  uses        = "configmgr_boot_images"
  description = "Reads the boot images and their package sources after the promotion (F10, known since 1810: the default boot images keep the original site server as source)."
  refs        = ["F10"]
  depends_on  = [step.promotion_verified]
}

manual "repoint_boot_image" {
  description  = "F10: one step per boot image whose package source is still on the old active server; the list is known once boot_images has run."
  refs         = ["F10"]
  for_each     = { for b in step.boot_images.output.images : b.package_id => b if b.source_server == local.active_server }
  instructions = format("Boot image %s (%s) takes its package source from %s, on the old active server %s. In the console: Software Library > Operating Systems > Boot Images > %s > Properties > Data Source: choose a source on a share that does not depend on %s, then Update Distribution Points. Confirm once done: boot_image_sources then reads every source again.", each.key, each.value.name, each.value.source_path, var.active_server, each.value.name, var.active_server)
  reason       = "Which share holds boot image sources is a decision per site, and changing the data source re-stages the image on every distribution point."
}

check "boot_image_sources" {
  uses        = "configmgr_boot_images"
  description = "Verifies that no boot image takes its package source from the old active server any more (F10), after each one found was repointed. Reported, the run goes on: change their source to a share that survives the old server (Software Library > Boot Images > Properties > Data Source)."
  refs        = ["F10"]
  depends_on  = [step.repoint_boot_image]
  on_failure  = "continue"

  assert {
    condition = length([for b in self.output.images : b if b.source_server == local.active_server]) == 0
    message   = format("F10: boot images still use the old active server %s as package source: %s. Change each source to a share that does not depend on %s (Properties > Data Source), then update the distribution points.", var.active_server, join(", ", [for b in self.output.images : format("%s %s (%s)", b.package_id, b.name, b.source_path) if b.source_server == local.active_server]), var.active_server)
  }
}

manual "post_promotion_known_issues" {
  description  = "Known issues after any promotion (domain reference §5, §8): configuration.mof, boot image sources, bulk registration."
  refs         = ["§5", "F9", "F10"]
  depends_on   = [step.promotion_verified]
  instructions = "1. The passive server does not keep configuration.mof in sync (F9, known since 1910): if hardware inventory was customized, restore your copy into <install dir>\\inboxes\\clifiles.src\\hinv on the new active server (a planned promotion records and compares its hash: configuration_mof_before and _after; after an unplanned one use your last backup). 2. Each boot image whose source is on the old server (F10) has its own step, repoint_boot_image[PACKAGE ID], and boot_image_sources verifies them all. 3. While the site has a passive server, no bulk registration token can be created. Confirm once checked."
  reason       = "Restoring an inventory customization and choosing a new boot image source are decisions about files that differ per site."
}
