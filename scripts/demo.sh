#!/usr/bin/env bash
# make demo: validate, plan, review and rehearse the shipped runbooks.
set -euo pipefail
cd "$(dirname "$0")/.."
b=./bin/baton
st=$(mktemp -d)/demo.db
export BATON_STATE=$st
echo "== validate"; $b validate runbooks/
echo "== fmt -check"; $b fmt -check runbooks/
echo "== plan (refreshed against the simulated healthy site)"; $b plan runbooks/planned_promotion.hcl --site contoso --scenario healthy -out /tmp/promo.plan || true
echo "== review"; $b review /tmp/promo.plan -format html -o /tmp/promo-review.html && echo "wrote /tmp/promo-review.html"
for rb in install_passive:no-passive-yet planned_promotion:healthy unplanned_failover:active-offline-for-good daily_monitoring:healthy remove_passive:healthy; do
  echo "== rehearse ${rb%%:*} against contoso/${rb##*:}"
  $b rehearse "runbooks/${rb%%:*}.hcl" --site contoso --scenario "${rb##*:}" --approve-all --quiet | head -5 || true
done
echo "== rehearse planned_promotion against every contoso scenario"
$b rehearse runbooks/planned_promotion.hcl --site contoso --all-scenarios --approve-all
echo "== rehearse with timed answers: the change board answers after 40m and 1h10m"
cat > "$(dirname "$st")/answers.json" <<'JSON'
{"cab": [{"by": "cab-chair", "decision": "approved", "after": "40m", "comment": "CAB-1234"},
         {"by": "configmgr-service-owner", "decision": "approved", "after": "1h10m"}]}
JSON
$b rehearse runbooks/planned_promotion.hcl --site contoso --approve-all --approval-delay 5m --approvals "$(dirname "$st")/answers.json" --quiet | grep -E "WOULD|virtual time|cab:" || true
