#!/usr/bin/env bash
# Installs the references `npm run bench` measures against: Debian's PyTorch and the pthreads
# OpenBLAS it runs fastest with (bench/reference/pytorch_resnet.py), and Jupyter's own
# nbclient (`jupyter execute`) for the runner benchmark. CI does not run this.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends python3 python3-torch libopenblas0-pthread python3-nbclient python3-ipykernel jupyter-client
# Make the pthreads OpenBLAS the one libblas/liblapack resolve to.
for lib in libblas.so.3 liblapack.so.3; do
  alt="$(update-alternatives --list "${lib}-x86_64-linux-gnu" 2>/dev/null | grep openblas-pthread || true)"
  if [ -n "$alt" ]; then $SUDO update-alternatives --set "${lib}-x86_64-linux-gnu" "$alt"; fi
done
/usr/bin/python3 -c "import torch; print('PyTorch', torch.__version__, 'mkldnn', torch.backends.mkldnn.is_available())"
