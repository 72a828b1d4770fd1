"""The benchmark's output: a table on stdout, ``bench/results/<date>.json`` and
``docs/performance.md``."""

import collections
import datetime
import json
import re
from pathlib import Path

from bench.environment import RESULTS, ROOT

DOC = ROOT / "docs" / "performance.md"
TARGETS = {
    "anonymous home (cached)": 0.6,
    "guide page (cached)": 0.6,
    "search, uncached, a full first page": 0.8,
    "signed-in resident 我的办件": 0.6,
    "API services list, 50 per page": 0.8,
    "API service detail": 0.8,
}


PROJECT_PACKAGES = tuple(
    f"{path.name}/" for path in ROOT.iterdir() if (path / "__init__.py").exists() and path.name != "bench"
)


def _is_project_frame(frame: str) -> bool:
    """py-spy names a frame ``function (path:line)``, the path relative to sys.path."""
    location = frame.rpartition(" (")[2].replace(str(ROOT) + "/", "")
    return location.startswith(PROJECT_PACKAGES)


def hottest(raw: Path, count: int = 10) -> list[dict]:
    """Self time per function from py-spy's raw (collapsed stacks) output, project frames
    and library frames alike, as shares of all samples."""
    own: collections.Counter = collections.Counter()
    inclusive: collections.Counter = collections.Counter()
    total = 0
    if not raw.exists():
        return []
    for line in raw.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        if not samples.isdigit():
            continue
        frames = stack.split(";")
        total += int(samples)
        own[frames[-1]] += int(samples)
        # Tongban's own code (not the libraries, not this harness), counted once per stack.
        for frame in set(frames):
            if _is_project_frame(frame) and "Middleware.__call__" not in frame:
                inclusive[frame] += int(samples)
    if not total:
        return []
    hottest_own = [
        {"frame": frame.replace(str(ROOT) + "/", ""), "share": round(samples / total, 3), "kind": "self"}
        for frame, samples in own.most_common(count)
    ]
    hottest_project = [
        {"frame": frame.replace(str(ROOT) + "/", ""), "share": round(samples / total, 3), "kind": "project"}
        for frame, samples in inclusive.most_common(count)
    ]
    return hottest_own + hottest_project


def table(results: dict) -> str:
    lines = []
    names = list(results["datasets"])
    for name in names:
        data = results["datasets"][name]
        lines.append(
            f"\n{name} dataset ({data['dataset']['items']} items, {data['dataset']['residents']} residents, "
            f"{data['dataset']['applications']} applications)"
        )
        lines.append(f"  {'calibration':<22} {'rps':>8} {'p50 ms':>8} {'p99 ms':>8}   (before/after rps)")
        for view, figure in data["calibration"].items():
            lines.append(
                f"  {view:<22} {figure['rps']:8.1f} {figure['p50_ms']:8.2f} {figure['p99_ms']:8.2f}"
                f"   ({figure['rps_before']:.0f}/{figure['rps_after']:.0f})"
            )
        lines.append(
            f"  {'scenario':<44} {'rps':>8} {'p50 ms':>8} {'p99 ms':>8} {'q/req':>6} {'vs':>10} "
            f"{'ratio':>6} {'target':>6} {'errors':>6}"
        )
        for scenario in data["scenarios"]:
            target = TARGETS.get(scenario["name"])
            # Single-use inputs ran out and repeated (a cached search page, a draft already
            # submitted): the figure then measures the repeats, not the scenario.
            wrapped = scenario.get("list_wrapped") if scenario.get("single_use") else 0
            repeated = f"  inputs repeated ×{wrapped}: not comparable" if wrapped else ""
            lines.append(
                f"  {scenario['name']:<44} {scenario['rps']:8.1f} {scenario['p50_ms']:8.2f} {scenario['p99_ms']:8.2f} "
                f"{scenario['queries']:6} {scenario['calibration']:>10} {scenario['ratio']:6.3f} "
                f"{(f'{target:.1f}' if target else '-'):>6} {scenario['errors']:6}{repeated}"
            )
        relay = data["relay"]
        lines.append(f"  outbox relay, one worker: {relay['messages_per_second']} messages/s")
        latency = relay.get("latency")
        if latency:
            lines.append(
                f"  commit-to-SMS while {latency['achieved_per_second']} submissions/s run (target "
                f"{latency['target_per_second']:g}): p50 {latency['commit_to_sms_p50_ms']} ms, "
                f"p95 {latency['commit_to_sms_p95_ms']} ms, slowest {latency['commit_to_sms_max_ms']} ms; "
                f"{latency['sms_delivered']} of {latency['submissions']} SMS delivered, "
                f"{latency['failures']} submissions refused"
            )
        memory = data.get("memory") or {}
        if memory:
            lines.append(
                f"  memory: peak RSS per worker {memory['peak_rss_mib']} MiB; growth {memory['from_to'][0]}→"
                f"{memory['from_to'][1]} requests {memory['growth']:.1%} (target < 5%)"
            )
    if "small" in results["datasets"] and "large" in results["datasets"]:
        # Requests per second, and the same of the ratios to the calibration: the machine's speed
        # can drift between the two datasets' runs (the calibration shows by how much), which the
        # second figure takes out.
        lines.append("\nlarge / small (target ≥ 0.9)                    rps  ratio to calibration")
        small = {s["name"]: s for s in results["datasets"]["small"]["scenarios"]}
        for scenario in results["datasets"]["large"]["scenarios"]:
            base = small.get(scenario["name"])
            if base and base["rps"]:
                normalised = (
                    f"{scenario['ratio'] / base['ratio']:8.2f}" if scenario.get("ratio") and base.get("ratio") else ""
                )
                lines.append(f"  {scenario['name']:<44} {scenario['rps'] / base['rps']:6.2f}{normalised}")
    return "\n".join(lines)


def _passes(count: int) -> str:
    return f"× {count} passes (averaged)" if count > 1 else "× 1 pass"


def write(results: dict) -> None:
    text = table(results)
    print(text, flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    day = datetime.datetime.now(tz=datetime.UTC).strftime("%Y-%m-%d")
    suffix = (
        "-quick" if results["quick"] else ("" if len(results["datasets"]) > 1 else "-" + "+".join(results["datasets"]))
    )
    path = RESULTS / f"{day}{suffix}.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n")
    print(f"\nresults: {path.relative_to(ROOT)}")
    write_doc(results, text, path)


def write_doc(results: dict, text: str, path: Path) -> None:
    """Rewrite this kind of run's figures section of docs/performance.md (quick, full, or one
    dataset), keeping the method above and the other kinds' latest sections."""
    kind = "quick" if results["quick"] else ("full" if len(results["datasets"]) > 1 else "+".join(results["datasets"]))
    marker = f"<!-- figures: {kind} -->"
    document = DOC.read_text() if DOC.exists() else "# Performance\n\n"
    pieces = re.split(r"(<!-- figures: [^>]*? -->)", document)
    head, sections = pieces[0], dict(zip(pieces[1::2], pieces[2::2], strict=True))
    machine = results["machine"]
    lines = [
        f"## Latest figures: {kind} ({results['run']}{', BENCH_QUICK' if results['quick'] else ''})",
        "",
        f"Machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['ram_gib']} GiB RAM, "
        f"Linux {machine['kernel']}, "
        f"Python {machine['python']}, Django {machine['django']}, PostgreSQL {machine['postgresql']}, "
        f"Redis {machine['redis']}, {machine['gunicorn']}, {machine['wrk']}; load average at start "
        f"{', '.join(f'{x:.1f}' for x in machine['load_average_at_start'])} (the CPUs were shared).",
        f"Settings: gunicorn {results['settings']['workers']} sync workers, wrk -t{results['settings']['threads']} "
        f"-c{results['settings']['connections']}, {results['settings']['seconds']} s per scenario "
        f"{_passes(results['settings'].get('passes', 1))}; the run took "
        f"{results['seconds']} s. Raw figures: `{path.relative_to(ROOT)}`.",
        "",
        "```",
        text.strip("\n"),
        "```",
        "",
    ]
    for name, data in results["datasets"].items():
        for profile in data.get("profiles", []):
            lines.append(f"py-spy, {name} dataset, **{profile['scenario']}** (one worker's samples):")
            lines.append("")
            own = [frame for frame in profile["top"] if frame.get("kind", "self") == "self"][:6]
            project = [frame for frame in profile["top"] if frame.get("kind") == "project"][:8]
            lines += [f"- self {frame['share']:.0%} `{frame['frame']}`" for frame in own]
            lines += [f"- in Tongban's code {frame['share']:.0%} `{frame['frame']}`" for frame in project]
            lines.append("")
    sections[marker] = "\n" + "\n".join(lines)
    ordered = sorted(sections.items(), key=lambda item: ("full" not in item[0], "quick" in item[0]))
    DOC.write_text(head + "".join(marker + body for marker, body in ordered))
