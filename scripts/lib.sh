# SPDX-License-Identifier: MIT
# Shared by the scripts that start throwaway servers (sourced, not run).

# A TCP port on 127.0.0.1 that was free a moment ago (the caller retries when it is taken).
free_port() {
    python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}
