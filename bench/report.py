"""Markdown tables from a results file (``python -m bench.report bench/results/latest.json``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OPERATIONS = [
    ("ceiling", "ceiling: GET /confplane/v1/health"),
    ("GetAccessToken", "GetAccessToken"),
    ("CreateVideoConference", "CreateVideoConference (host + 2 invitees)"),
    ("MuteMembers", "MuteMembers (1 member, 1 device; 32 meetings)"),
    ("LockConference", "LockConference (lock/unlock alternating)"),
    ("QueryBatch10x50", "QueryConferenceInfoBatch (10 ids x 50 members)"),
    ("Members128of10k", "QueryConferenceMembers (page of 128 of 10,000)"),
    ("Page1000First", "QueryConferenceMembers (1,000: first of 100,000)"),
    ("Page1000Last", "QueryConferenceMembers (1,000: last of 100,000)"),
    ("CloseVideoConference", "CloseVideoConference"),
]

# (scenario, minimum share of the ceiling): every operation a quarter, the reads 40%.
TARGETS = [
    ("GetAccessToken", 0.25),
    ("CreateVideoConference", 0.25),
    ("MuteMembers", 0.25),
    ("LockConference", 0.25),
    ("CloseVideoConference", 0.25),
    ("Members128of10k", 0.40),
    ("QueryBatch10x50", 0.40),
    ("Page1000First", 0.40),
    ("Page1000Last", 0.40),
]
# A stateful, durable server should keep this far ahead of a stateless mock.
PRISM_TARGET = 5.0


def ceiling(samples: dict[str, Any]) -> float:
    values = [samples[k]["rps"] for k in ("ceiling", "ceiling_end") if k in samples]
    return sum(values) / len(values) if values else 0.0


def ceiling_for(cfg: dict[str, Any], key: str) -> float:
    """The ceiling measured right before ``key`` if there is one, else the run's mean."""
    beside = cfg.get("ceiling_beside", {}).get(key)
    return float(beside) if beside else ceiling(cfg["samples"])


def answered_rps(sample: dict[str, Any]) -> float:
    """Requests answered with a 2xx per second: a reference's errors are not throughput."""
    seconds = sample["seconds"]
    return (sample["requests"] - sample["status_errors"]) / seconds if seconds else 0.0


def python_limit_for(results: dict[str, Any], cfg: dict[str, Any], key: str) -> float:
    """The Python limit measured right before ``key`` if there is one, else the run's."""
    beside = cfg.get("python_limit_beside", {}).get(key)
    return float(beside) if beside else float(results.get("python_limit", {}).get("rps", 0.0))


def _python_limit_lines(results: dict[str, Any]) -> list[str]:
    limit = results.get("python_limit")
    if not limit:
        return []
    each = ", ".join(f"{name} {s['rps']:,.0f} req/s" for name, s in limit["samples"].items())
    return [
        "Python limit: a raw ASGI app answering constant JSON (`bench/raw_asgi.py`), one "
        f"process, at the start of the run: {each}. The faster ({limit['server']}) is "
        'measured again right before each operation ("Python limit beside").',
        "",
    ]


def _references_table(results: dict[str, Any], cfg: dict[str, Any]) -> list[str]:
    samples, prism = cfg["samples"], cfg.get("prism", {})
    if not prism and not cfg.get("python_limit_beside"):
        return []
    lines = [
        f"#### {cfg['config']['name']}: beside the Python limit and Prism",
        "",
        "Prism mocks confplane's OpenAPI document and is sent the same wrk script and "
        "parameters right after confplane; only its 2xx answers count as its rate.",
        "",
        "| operation | req/s | Python limit beside | × Python limit | Prism 2xx/s "
        "| Prism non-2xx | Prism p99 ms | Prism CPU (cores) | × Prism |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, label in OPERATIONS:
        s = samples.get(key)
        if s is None:
            continue
        limit = python_limit_for(results, cfg, key)
        share = f"{s['rps'] / limit:.0%}" if limit else "n/a"
        p = prism.get(key)
        if p is None:
            lines.append(f"| {label} | {s['rps']:,.0f} | {limit:,.0f} | {share} | | | | | |")
            continue
        answered = answered_rps(p)
        times = f"{s['rps'] / answered:.1f}x" if answered else "n/a (no 2xx)"
        lines.append(
            f"| {label} | {s['rps']:,.0f} | {limit:,.0f} | {share} | {answered:,.0f} "
            f"| {p['status_errors']:,} | {p['p99_ms']:.2f} | {p['server_cpu']:.2f} | {times} |"
        )
    return [*lines, ""]


def _config_table(cfg: dict[str, Any]) -> list[str]:
    samples = cfg["samples"]
    top = ceiling(samples)
    lines = [
        f"### {cfg['config']['name']}",
        "",
        "| operation | req/s | ceiling beside | × ceiling | p50 ms | p99 ms "
        "| server CPU (cores) | server RSS MiB | DB CPU | wrk CPU | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, label in OPERATIONS:
        s = samples.get(key)
        if s is None:
            continue
        beside = ceiling_for(cfg, key)
        ratio = s["rps"] / beside if beside else 0.0
        if key == "ceiling":
            label += f" (mean of start and end: {top:,.0f})"
            beside = top
        lines.append(
            f"| {label} | {s['rps']:,.0f} | {beside:,.0f} | {ratio:.0%} | {s['p50_ms']:.2f} "
            f"| {s['p99_ms']:.2f} | {s['server_cpu']:.2f} | {s['server_rss_mb']:.0f} "
            f"| {s['db_cpu']:.2f} | {s['wrk_cpu']:.2f} | {s['errors']} |"
        )
    loads = [s["loadavg_before"] for s in samples.values()]
    lines += ["", f"Load average before each run: {', '.join(loads)}.", ""]
    durability = cfg.get("durability")
    if durability:
        verdict = "every one stored" if durability["ok"] else "**SOME LOST**"
        lines += [
            f"Durability: {durability['acknowledged_creates']:,} meetings acknowledged with a "
            f"200, server SIGKILLed at once, {durability['stored_after_sigkill']:,} found "
            f"in the database afterwards: {verdict}.",
            "",
        ]
    return lines


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    configs: dict[str, Any] = results["configs"]
    out = [
        "## Results",
        "",
        f"Run {results['started']} on {m['cpu']}, {m['cores']} cores, {m['memory']}, Linux "
        f"{m['kernel']}; commit {results['git']}; {results['seconds']:.0f} s in all. "
        f"Load average {results['loadavg_start']} at the start, {results['loadavg_end']} at "
        "the end.",
        "",
        f"Command: `{results['command'].strip()}`",
        "",
        *_python_limit_lines(results),
    ]
    for cfg in configs.values():
        out += _config_table(cfg)
        out += _references_table(results, cfg)
    walks = [(c["config"]["name"], c["walk"]) for c in configs.values() if "walk" in c]
    if walks:
        out += [
            "### Walking 100,000 members in pages of 1,000 (one client, one connection)",
            "",
            "| back-end | total s (best of 3) | all runs s | pages | first 5 pages ms "
            "(median) | last 5 pages ms (median) | median page ms | slowest page ms "
            "| last / first |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, w in walks:
            runs = ", ".join(f"{x:.2f}" for x in w["all_seconds"])
            out.append(
                f"| {name} | {w['seconds']:.2f} | {runs} | {w['pages']} | "
                f"{w['first_page_ms']:.1f} | {w['last_page_ms']:.1f} | "
                f"{w['median_page_ms']:.1f} | {w.get('max_page_ms', 0):.1f} | "
                f"{w['last_over_first']:.2f} |"
            )
        out.append("")
    if "postgres" in configs and "postgres2" in configs:
        one, two = configs["postgres"]["samples"], configs["postgres2"]["samples"]
        out += [
            "### PostgreSQL: one process and two (req/s)",
            "",
            "| operation | 1 process | 2 processes | speed-up |",
            "|---|---:|---:|---:|",
        ]
        for key, label in OPERATIONS:
            if key in one and key in two and one[key]["rps"]:
                a, b = one[key]["rps"], two[key]["rps"]
                out.append(f"| {label} | {a:,.0f} | {b:,.0f} | {b / a:.2f}x |")
        out.append("")
    out += _targets(configs)
    return "\n".join(out) + "\n"


def _targets(configs: dict[str, Any]) -> list[str]:
    lines = [
        "### Targets (one server process)",
        "",
        "| target | figure | met |",
        "|---|---:|:---:|",
    ]
    for key in ("sqlite", "postgres"):
        cfg = configs.get(key)
        if cfg is None:
            continue
        name = cfg["config"]["name"]
        samples = cfg["samples"]
        for scenario, share in TARGETS:
            top = ceiling_for(cfg, scenario)
            if scenario in samples and top:
                ratio = samples[scenario]["rps"] / top
                lines.append(
                    f"| {name}: {scenario} ≥ {share:.0%} of ceiling | {ratio:.1%} "
                    f"| {'yes' if ratio >= share else 'no'} |"
                )
        for scenario, prism in cfg.get("prism", {}).items():
            answered = answered_rps(prism)
            if scenario not in samples or scenario.startswith("ceiling"):
                continue
            if not answered:
                lines.append(f"| {name}: {scenario} ≥ {PRISM_TARGET:.0f}x Prism | no 2xx | n/a |")
                continue
            times = samples[scenario]["rps"] / answered
            lines.append(
                f"| {name}: {scenario} ≥ {PRISM_TARGET:.0f}x Prism | {times:.1f}x "
                f"| {'yes' if times >= PRISM_TARGET else 'no'} |"
            )
        w = cfg.get("walk")
        if w:
            lines.append(
                f"| {name}: walk of 100,000 in pages of 1,000 < 3 s | {w['seconds']:.2f} s "
                f"| {'yes' if w['seconds'] < 3 else 'no'} |"
            )
            first = samples.get("Page1000First", {}).get("p50_ms")
            last = samples.get("Page1000Last", {}).get("p50_ms")
            if first and last:
                lines.append(
                    f"| {name}: last page ≤ 2× first (p50 under load) | {last / first:.2f}x "
                    f"| {'yes' if last <= 2 * first else 'no'} |"
                )
            lines.append(
                f"| {name}: last page ≤ 2× first (in the walk) | {w['last_over_first']:.2f}x "
                f"| {'yes' if w['last_over_first'] <= 2 else 'no'} |"
            )
        durability = cfg.get("durability")
        if durability:
            lines.append(
                f"| {name}: acknowledged writes survive SIGKILL | "
                f"{durability['stored_after_sigkill']:,} / {durability['acknowledged_creates']:,} "
                f"| {'yes' if durability['ok'] else 'no'} |"
            )
    return [*lines, ""]


START = "<!-- bench:results:start"
END = "<!-- bench:results:end -->"


def splice(doc: Path, markdown: str) -> None:
    """Put ``markdown`` between the results markers of ``doc`` (the rest is left alone)."""
    text = doc.read_text()
    head, _, rest = text.partition(START)
    marker, _, rest = rest.partition("\n")
    _, _, tail = rest.partition(END)
    doc.write_text(f"{head}{START}{marker}\n{markdown}{END}{tail}")


if __name__ == "__main__":
    table = render(json.loads(Path(sys.argv[1]).read_text()))
    if len(sys.argv) > 3 and sys.argv[2] == "--into":
        # In the document this run is the latest of several (earlier ones follow it).
        splice(Path(sys.argv[3]), table.replace("## Results", "## Latest full run", 1))
    else:
        print(table)
