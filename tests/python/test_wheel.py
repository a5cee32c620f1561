"""The wheel a user installs: `maturin build --release` (what the test command builds into
target/wheels/ and installs into its venv) gives one abi3 manylinux wheel that declares its extras
and installs and imports in a fresh venv with no Rust toolchain on PATH."""
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WHEELS = ROOT / "target" / "wheels"


def the_wheel():
    wheels = sorted(WHEELS.glob("engagement-*.whl"))
    assert len(wheels) == 1, (f"expected one wheel in {WHEELS}, found {[w.name for w in wheels]}: "
                              "scripts/test builds it (maturin build --release -o target/wheels)")
    return wheels[0]


def test_the_wheel_is_abi3_manylinux_and_declares_its_extras():
    wheel = the_wheel()
    # engagement-0.1.0-cp39-abi3-manylinux_2_35_x86_64.whl: one wheel for every CPython from 3.9.
    name, version, python, abi, platform = wheel.stem.split("-")
    assert (python, abi) == ("cp39", "abi3"), wheel.name
    assert platform.startswith("manylinux"), wheel.name
    with zipfile.ZipFile(wheel) as z:
        metadata = z.read(f"engagement-{version}.dist-info/METADATA").decode()
        names = z.namelist()
    extras = {line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Provides-Extra:")}
    assert {"polars", "plot", "dask", "spark"} <= extras, extras
    assert "pandas" not in extras  # pandas is a dependency, not an extra
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line]
    assert any("numpy" in r for r in requires) and any("pandas" in r for r in requires), requires
    # The native module, its type stub and the typed marker travel in the wheel.
    assert any(n.startswith("engagement/_engagement") and n.endswith(".so") for n in names), names
    assert "engagement/_engagement.pyi" in names and "engagement/py.typed" in names


def test_the_wheel_installs_and_imports_in_a_fresh_venv_without_rust(tmp_path):
    wheel = the_wheel()
    # PATH without any directory holding cargo or rustc: a user's machine without Rust.
    path = os.pathsep.join(d for d in os.environ["PATH"].split(os.pathsep)
                           if d and not any((Path(d) / tool).exists() for tool in ("cargo", "rustc")))
    env = {**os.environ, "PATH": path}
    env.pop("CARGO_TARGET_DIR", None)
    env.pop("VIRTUAL_ENV", None)
    assert shutil.which("cargo", path=path) is None and shutil.which("rustc", path=path) is None
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)],
                   check=True, env=env)
    code = ("import engagement, numpy as np; "
            "s = engagement.nps([10, 9, 7, 3]); "
            "m = engagement.ClvModel('bg_nbd', r=0.243, alpha=4.414, a=0.793, b=2.426); "
            "print(s.score, round(float(m.p_alive([2.0], [30.43], [38.86])[0]), 4), engagement.__file__)")
    out = subprocess.run([str(python), "-c", code], check=True, env=env, cwd=tmp_path, capture_output=True,
                         text=True).stdout.split()
    assert out[0] == "25.0", out
    assert 0.0 < float(out[1]) < 1.0, out
    # Imported from the fresh venv, not from the source tree or the test venv.
    assert out[2].startswith(str(venv)), out
