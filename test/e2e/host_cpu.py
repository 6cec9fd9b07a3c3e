"""The x86-64 kernel sets this host can run beyond the baseline ones, as
extra (label, triple, CPU, compiler, runner) targets: each integer kernel
set (pmaddubsw and pairs on zmm, vpdpbusd on zmm and on ymm) is then checked wherever a
machine has it, and skipped silently where it would not run."""
import platform


def _flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def extra_x86_targets():
    if platform.machine() != "x86_64":
        return []
    flags, targets = _flags(), []
    avx512 = {"avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"}
    if avx512 <= flags:
        targets.append(("x86-64 skylake-avx512 (pmaddubsw, zmm)", None, "skylake-avx512", "cc", []))
        if "avx512_vnni" in flags:
            targets.append(("x86-64 cascadelake (vpdpbusd, zmm)", None, "cascadelake", "cc", []))
    if {"avx_vnni", "avx2", "fma"} <= flags:
        targets.append(("x86-64 alderlake (vpdpbusd, ymm)", None, "alderlake", "cc", []))
    return targets
