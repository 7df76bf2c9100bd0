"""Run notebook cells in a real, private Jupyter kernel (ipykernel through nbclient), for
tests. Nothing of the user's Jupyter set-up is used: the kernelspec is written to a
temporary folder and a KernelSpecManager looks there only (not even ipykernel's built-in
"python3" spec); IPYTHONDIR and the Jupyter folders are temporary, the kernel talks over
unix sockets in that folder (no ports)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

KERNEL_NAME = "transferlings-test"


def private_kernel(tmp: Path, env: dict) -> KernelManager:
    spec_dir = tmp / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        # -Xfrozen_modules=off: no "frozen modules" warning from debugpy on stderr
        "argv": [sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "transferlings (test)",
        "language": "python",
        "env": {"IPYTHONDIR": str(tmp / "ipython"), "JUPYTER_CONFIG_DIR": str(tmp / "jupyter-config"),
                "JUPYTER_DATA_DIR": str(tmp / "jupyter-data"), "JUPYTER_RUNTIME_DIR": str(tmp / "jupyter-runtime"),
                "JUPYTER_PLATFORM_DIRS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1", **env},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
    specs = KernelSpecManager(kernel_dirs=[str(tmp / "kernels")], ensure_native_kernel=False)
    return KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs, transport="ipc", ip=str(tmp / "ipc"),
                         connection_file=str(tmp / "kernel-connection.json"))


def run_cells(cells: list[str], tmp: Path, env: dict, timeout: int = 180) -> list[dict]:
    """Execute `cells` in order in a fresh private kernel (an error does not stop the
    next cell); each cell's outputs by kind (see `outputs`)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    km = private_kernel(tmp, env)
    client = NotebookClient(nb, km=km, timeout=timeout, startup_timeout=60, allow_errors=True,
                            resources={"metadata": {"path": str(tmp)}})
    try:
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
    finally:
        if km.has_kernel:  # nbclient shuts down only a kernel it started itself
            km.shutdown_kernel(now=False)  # politely: the extension closes its grading worker
    return [outputs(cell) for cell in nb.cells]


def outputs(cell) -> dict:
    """html and text: of the displays (the last state of an updated one); stdout, stderr;
    error: "ename: evalue" of a traceback."""
    got = {"html": "", "text": "", "stdout": "", "stderr": "", "error": ""}
    for out in cell.get("outputs", []):
        kind = out["output_type"]
        if kind in ("display_data", "execute_result", "update_display_data"):
            got["html"] += out["data"].get("text/html", "")
            got["text"] += out["data"].get("text/plain", "")
        elif kind == "stream":
            got[out["name"]] += out["text"]
        elif kind == "error":
            got["error"] += f"{out['ename']}: {out['evalue']}"
    return got
