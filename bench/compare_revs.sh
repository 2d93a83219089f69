#!/usr/bin/env bash
# Compare bench B (GetWorkflow req/s under wrk) and E (cold start) of two revisions on this machine, in
# alternating rounds (base, new, base, new...), so that a drift of the machine hits both alike.
#
#   bash bench/compare_revs.sh BASE_REV [NEW_REV=HEAD] [ROUNDS=2]
#
# Each revision is checked out once as a git worktree in bench/.tmp/compare/<sha> with its own venv
# (make .venv/.installed-run: the package only). The harness is this checkout's bench/run.py, the same for both,
# pointed at each revision's sign8-mock with --sign8-mock; it needs wrk (bash bench/install.sh) and the bench
# extra (pip install -e '.[bench]'). Each run writes bench/.tmp/compare/<sha>-<round>/latest.md and latest.json;
# the last lines print B and E of every run side by side.
set -euo pipefail
base=${1:?usage: bench/compare_revs.sh BASE_REV [NEW_REV] [ROUNDS]}
new=${2:-HEAD}
rounds=${3:-2}
root=$(git rev-parse --show-toplevel)
work=$root/bench/.tmp/compare
python=$root/.venv/bin/python
mkdir -p "$work"
shas=()
for rev in "$base" "$new"; do
  sha=$(git -C "$root" rev-parse --short "$rev")
  shas+=("$sha")
  [ -d "$work/$sha" ] || git -C "$root" worktree add --detach "$work/$sha" "$sha"
  make -C "$work/$sha" .venv/.installed-run >/dev/null
done
for round in $(seq 1 "$rounds"); do
  for sha in "${shas[@]}"; do
    "$python" "$root/bench/run.py" --only BE --servers sign8 --sign8-mock "$work/$sha/.venv/bin/sign8-mock" \
      --out "$work/$sha-$round"
  done
done
"$python" - "$work" "${shas[@]}" <<'PY'
import json, pathlib, statistics, sys
work, shas = pathlib.Path(sys.argv[1]), sys.argv[2:]
figures = {}
for sha in shas:
    for run in sorted(work.glob(f"{sha}-*/latest.json")):
        r = json.loads(run.read_text())["results"]
        b, e = r["B_sign8"]["ok_rps"], r["E_sign8"]["median_s"]
        figures.setdefault(sha, []).append((b, e))
        print(f"{run.parent.name}: B {b:,.0f} req/s, E {e:.3f} s")
base, new = (figures[s] for s in shas)
b0, b1 = statistics.median(f[0] for f in base), statistics.median(f[0] for f in new)
e0, e1 = statistics.median(f[1] for f in base), statistics.median(f[1] for f in new)
print(f"B {shas[1]} / {shas[0]} = {b1 / b0:.3f} (within 5%: {abs(b1 / b0 - 1) <= 0.05}); "
      f"E {shas[1]} / {shas[0]} = {e1 / e0:.3f} (within 5%: {abs(e1 / e0 - 1) <= 0.05})")
PY
