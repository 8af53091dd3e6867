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
