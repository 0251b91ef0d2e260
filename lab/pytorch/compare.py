#!/usr/bin/env python3
"""Compares a Go lab run with the PyTorch twins of its experiments.

    python3 lab/pytorch/compare.py RUN_DIR [NAME...]              # run each twin, then compare
    python3 lab/pytorch/compare.py RUN_DIR --twin DIR_OR_FILE...   # compare with saved twin JSON
    python3 lab/pytorch/compare.py RUN_DIR --save DIR              # also keep the twins' JSON

RUN_DIR is a directory written by `intercept lab` or `intercept run` (or its results.json).
Without --twin, each experiment's twin lab/pytorch/NAME.py (dashes as underscores) is run
with the Go run's seed count and every resolved parameter of the Go run as --set, by
--python (default /usr/bin/python3, Debian's PyTorch). A twin JSON file holds
{"experiment", "metrics": {variant_key: {metric: [per-seed values]}}}; --twin takes files or
directories of NAME.json files.

For every experiment, variant and scalar metric it prints the Go mean [95% CI] and the twin's,
from the finite per-seed values (NaN and infinities are counted apart, as the lab's
statistics do), the difference of means with its Welch 95% interval, and a verdict:

    agree      the difference's interval contains 0, or the means differ by less than
               atol + rtol*|mean| (float32 rounding; --atol, --rtol)
    DIFFER     the interval excludes 0 and the difference is above that tolerance, or the
               counts of non-finite values differ (Fisher's exact test, p < 0.05)
    n/a        fewer than 2 finite values on a side and means beyond the tolerance

With 95% intervals about one metric in twenty differs by chance when nothing is wrong; a
`paired` column gives the median relative per-seed difference when both sides ran the same
seeds (the twins draw from the same generator stream as the Go trials, so most of them
reproduce Go's per-seed values to float rounding).

This file needs only the Python standard library (no torch): the comparison is tested in
CI by lab/twin_compare_test.go.
"""

import argparse
import json
import math
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# --- statistics (standard library only) ---------------------------------------------------


def _betacf(a, b, x):
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny, eps = 1e-300, 3e-16
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 1000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1) < eps:
            break
    return h


def betainc(a, b, x):
    """The regularized incomplete beta function I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    lbt = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1) / (a + b + 2):
        return math.exp(lbt) * _betacf(a, b, x) / a
    return 1 - math.exp(lbt) * _betacf(b, a, 1 - x) / b


def t_cdf(t, df):
    """Student's t distribution function with df degrees of freedom (df may be fractional)."""
    x = df / (df + t * t)
    tail = 0.5 * betainc(df / 2, 0.5, x)
    return 1 - tail if t > 0 else tail


def t_quantile(p, df):
    """The p quantile (p > 0.5) of Student's t with df degrees of freedom, by bisection."""
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def to_float(v):
    """A JSON value (number or "NaN"/"+Inf"/"-Inf"/"Inf") as a float."""
    if isinstance(v, str):
        return {"NaN": math.nan, "+Inf": math.inf, "Inf": math.inf, "-Inf": -math.inf}.get(v, math.nan)
    if v is None:
        return math.nan
    return float(v)


class Summary:
    """Mean, sample std and 95% t interval of the finite values, as lab.Summarize."""

    def __init__(self, values):
        self.values = [to_float(v) for v in values]
        fin = [x for x in self.values if math.isfinite(x)]
        self.n, self.nonfinite = len(fin), len(self.values) - len(fin)
        self.mean = self.std = self.lo = self.hi = math.nan
        if self.n == 0:
            return
        self.mean = math.fsum(fin) / self.n
        if self.n < 2:
            self.lo = self.hi = self.mean
            return
        self.std = math.sqrt(math.fsum((x - self.mean) ** 2 for x in fin) / (self.n - 1))
        h = t_quantile(0.975, self.n - 1) * self.std / math.sqrt(self.n)
        self.lo, self.hi = self.mean - h, self.mean + h

    def json(self):
        return {"n": self.n, "non_finite": self.nonfinite, "mean": jf(self.mean), "std": jf(self.std),
                "ci95_low": jf(self.lo), "ci95_high": jf(self.hi)}


def fisher_exact(a, b, c, d):
    """Two-sided p-value of Fisher's exact test on the table [[a, b], [c, d]]."""
    r1, c1, n = a + b, a + c, a + b + c + d

    def p(x):
        return math.comb(c1, x) * math.comb(n - c1, r1 - x) / math.comb(n, r1)

    p0 = p(a)
    lo, hi = max(0, r1 + c1 - n), min(r1, c1)
    return min(1.0, sum(p(x) for x in range(lo, hi + 1) if p(x) <= p0 * (1 + 1e-9)))


def compare_values(go_vals, twin_vals, atol=1e-6, rtol=1e-4, paired=True):
    """Compares two lists of per-seed values; returns a dict (see the module doc)."""
    g, t = Summary(go_vals), Summary(twin_vals)
    out = {"go": g.json(), "twin": t.json()}
    diff = t.mean - g.mean
    out["diff"] = jf(diff)
    tol = atol + rtol * max(abs(g.mean) if g.n else 0, abs(t.mean) if t.n else 0)
    verdict, why = "n/a", ""
    lo = hi = math.nan
    if g.n >= 2 and t.n >= 2:
        va, vb = g.std ** 2 / g.n, t.std ** 2 / t.n
        se = math.sqrt(va + vb)
        if se > 0:
            df = (va + vb) ** 2 / ((va * va / (g.n - 1) if va else 0) + (vb * vb / (t.n - 1) if vb else 0))
            h = t_quantile(0.975, df) * se
        else:
            h = 0.0
        lo, hi = diff - h, diff + h
        if lo <= 0 <= hi:
            verdict, why = "agree", "interval of the difference contains 0"
        elif abs(diff) <= tol:
            verdict, why = "agree", "within float32 rounding tolerance"
        else:
            verdict, why = "DIFFER", "interval of the difference excludes 0"
    elif g.n > 0 and t.n > 0:
        if abs(diff) <= tol:
            verdict, why = "agree", "within float32 rounding tolerance"
        else:
            why = "fewer than 2 finite values"
    elif g.n == 0 and t.n == 0:
        verdict, why = "agree", "no finite value on either side"
    else:
        verdict, why = "DIFFER", "finite values on one side only"
    out["diff_ci95"] = [jf(lo), jf(hi)]
    if g.nonfinite or t.nonfinite:
        pf = fisher_exact(g.nonfinite, g.n, t.nonfinite, t.n)
        out["nonfinite_p"] = pf
        if pf < 0.05:
            verdict, why = "DIFFER", f"non-finite values {g.nonfinite} vs {t.nonfinite} (Fisher p = {pf:.2g})"
    out["verdict"], out["why"] = verdict, why
    if paired and len(g.values) == len(t.values) and g.values:
        rels = []
        for a, b in zip(g.values, t.values):
            if math.isfinite(a) and math.isfinite(b):
                rels.append(abs(a - b) / max(abs(a), abs(b), 1e-30) if a != b else 0.0)
            elif not (math.isnan(a) and math.isnan(b)) and a != b:
                rels.append(math.inf)
            else:
                rels.append(0.0)
        rels.sort()
        out["paired_rel"] = jf(rels[len(rels) // 2] if len(rels) % 2 else (rels[len(rels) // 2 - 1] + rels[len(rels) // 2]) / 2)
    return out


def jf(x):
    if isinstance(x, float) and not math.isfinite(x):
        return "NaN" if math.isnan(x) else ("+Inf" if x > 0 else "-Inf")
    return x


# --- reading ------------------------------------------------------------------------------


def read_results(path):
    """The Go run's results.json (path: the run directory or the file)."""
    if os.path.isdir(path):
        path = os.path.join(path, "results.json")
    with open(path) as f:
        return json.load(f)


def go_metrics(exp):
    """{variant_key: {metric: [per-seed values]}} of one experiment of results.json, and its
    seeds."""
    out = {}
    for v in exp.get("variants") or []:
        key = v.get("Key", v.get("key"))
        out[key] = {m: s.get("values") or [] for m, s in (v.get("scalars") or {}).items()}
    return out, exp.get("seeds") or []


def twin_script(name):
    return os.path.join(HERE, name.replace("-", "_") + ".py")


def load_twin_files(paths):
    """{experiment: twin doc} from files and directories of twin JSON."""
    docs = {}
    for p in paths:
        files = [os.path.join(p, f) for f in sorted(os.listdir(p)) if f.endswith(".json")] if os.path.isdir(p) else [p]
        for f in files:
            with open(f) as fh:
                d = json.load(fh)
            if isinstance(d, dict) and "experiment" in d and "metrics" in d:
                docs[d["experiment"]] = d
    return docs


def run_twin(exp, args):
    """Runs the twin of a Go experiment result with its seeds and parameters."""
    name = exp["name"]
    script = twin_script(name)
    if not os.path.exists(script):
        raise RuntimeError(f"no twin {os.path.relpath(script)}")
    cmd = [args.python, script, "--seeds", str(max(1, len(exp.get("seeds") or []))), "--threads", str(args.threads)]
    for item in exp.get("config") or []:
        cmd += ["--set", item]
    print("running " + " ".join(cmd[1:]), file=sys.stderr, flush=True)
    p = subprocess.run(cmd, cwd=HERE, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{os.path.basename(script)} failed (exit {p.returncode}): {p.stderr.strip()[-2000:]}")
    doc = json.loads(p.stdout)
    if args.save:
        os.makedirs(args.save, exist_ok=True)
        with open(os.path.join(args.save, name + ".json"), "w") as f:
            f.write(p.stdout)
    return doc


# --- comparing ----------------------------------------------------------------------------


def compare_experiment(exp, twin, atol, rtol):
    """Rows comparing one experiment's Go metrics with its twin's, and notes on what is
    missing on either side."""
    gm, seeds = go_metrics(exp)
    tm = twin.get("metrics") or {}
    tseeds = twin.get("seeds")
    same_seeds = tseeds is None or list(tseeds) == list(seeds)
    rows, notes = [], []
    for key, metrics in gm.items():
        if key not in tm:
            notes.append(f"variant {key}: not in the twin")
            continue
        for m in sorted(metrics):
            if m not in tm[key]:
                notes.append(f"{key} {m}: not in the twin")
                continue
            r = compare_values(metrics[m], tm[key][m], atol, rtol, paired=same_seeds)
            r.update(experiment=exp["name"], variant=key, metric=m)
            rows.append(r)
        for m in sorted(set(tm[key]) - set(metrics)):
            notes.append(f"{key} {m}: only in the twin")
    for key in tm:
        if key not in gm:
            notes.append(f"variant {key}: only in the twin")
    tcfg = twin.get("config")
    if isinstance(tcfg, dict):
        gcfg = dict(item.split("=", 1) for item in exp.get("config") or [] if "=" in item)
        for k in sorted(set(gcfg) | set(tcfg)):
            if k not in tcfg:
                notes.append(f"parameter {k}={gcfg[k]}: the twin has no such parameter")
            elif k not in gcfg:
                notes.append(f"parameter {k}: only in the twin ({k}={tcfg[k]})")
            elif not same_value(gcfg[k], tcfg[k]):
                notes.append(f"parameter {k}: Go {gcfg[k]}, twin {tcfg[k]}: the runs differ in setup")
    if not same_seeds:
        notes.append(f"the twin ran seeds {tseeds}, the Go run {seeds}: no per-seed pairing")
    return rows, notes


def same_value(a, b):
    """Whether two parameter values as written are the same (numbers compared as numbers)."""
    pa, pb = [x.strip() for x in str(a).split(",")], [x.strip() for x in str(b).split(",")]
    if len(pa) != len(pb):
        return False
    for x, y in zip(pa, pb):
        if x == y:
            continue
        try:
            if float(x) != float(y):
                return False
        except ValueError:
            return False
    return True


def fmt(x):
    x = to_float(x)
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    if x != 0 and (abs(x) >= 1e5 or abs(x) < 1e-3):
        return f"{x:.3g}"
    return f"{x:.4g}"


def fmt_summary(s):
    txt = f"{fmt(s['mean'])} [{fmt(s['ci95_low'])}, {fmt(s['ci95_high'])}]"
    if s["non_finite"]:
        txt += f" ({s['non_finite']} non-finite)"
    return txt


def print_table(rows, notes, name, out=sys.stdout):
    print(f"\n== {name}", file=out)
    header = ("variant", "metric", "Go mean [95% CI]", "twin mean [95% CI]", "twin - Go [95% CI]", "paired", "")
    table = [header]
    for r in rows:
        paired = r.get("paired_rel")
        ptxt = "" if paired is None else ("0" if paired == 0 else f"{to_float(paired):.1g}")
        table.append((r["variant"], r["metric"], fmt_summary(r["go"]), fmt_summary(r["twin"]),
                      f"{fmt(r['diff'])} [{fmt(r['diff_ci95'][0])}, {fmt(r['diff_ci95'][1])}]", ptxt, r["verdict"]))
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip(), file=out)
    for n in notes:
        print("note: " + n, file=out)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Compare a Go lab run with the PyTorch twins of its experiments.")
    ap.add_argument("run", help="the Go run directory (or its results.json)")
    ap.add_argument("names", nargs="*", help="experiments to compare (default: every experiment of the run)")
    ap.add_argument("--twin", action="append", default=[], help="twin JSON file or directory of NAME.json (repeatable); without it the twins are run")
    ap.add_argument("--save", help="with the twins run: keep their JSON in this directory as NAME.json")
    ap.add_argument("--python", default="/usr/bin/python3", help="the Python that has torch (default /usr/bin/python3)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads of each twin (default 1)")
    ap.add_argument("--atol", type=float, default=1e-6, help="absolute tolerance on the means (default 1e-6)")
    ap.add_argument("--rtol", type=float, default=1e-4, help="relative tolerance on the means (default 1e-4)")
    ap.add_argument("--json", action="store_true", help="print the comparison as JSON instead of tables")
    ap.add_argument("--strict", action="store_true", help="exit 1 when any metric differs")
    a = ap.parse_args(argv)

    res = read_results(a.run)
    exps = res.get("experiments") or []
    if a.names:
        known = {e["name"] for e in exps}
        for n in a.names:
            if n not in known:
                ap.error(f"{n}: not in {a.run} (has {', '.join(sorted(known))})")
        exps = [e for e in exps if e["name"] in a.names]
    twins = load_twin_files(a.twin) if a.twin else None

    report, total, differ, failed = [], 0, 0, 0
    for exp in exps:
        name = exp["name"]
        entry = {"experiment": name, "rows": [], "notes": []}
        if exp.get("data"):
            entry["notes"].append(f"the Go run used --data {exp['data']}; the twins read only the embedded digits: skipped")
        else:
            try:
                twin = twins.get(name) if twins is not None else run_twin(exp, a)
                if twin is None:
                    entry["notes"].append("no twin JSON given for it")
                else:
                    entry["rows"], entry["notes"] = compare_experiment(exp, twin, a.atol, a.rtol)
            except Exception as e:  # a broken twin must not hide the others
                failed += 1
                entry["notes"].append(f"error: {e}")
        total += len(entry["rows"])
        differ += sum(r["verdict"] == "DIFFER" for r in entry["rows"])
        report.append(entry)
        if not a.json:
            print_table(entry["rows"], entry["notes"], name)
            sys.stdout.flush()
    summary = {"metrics": total, "differ": differ, "failed": failed}
    if a.json:
        print(json.dumps({"summary": summary, "experiments": report}, indent=1))
    else:
        print(f"\n{total} metrics compared, {differ} differ (about 1 in 20 is expected by chance), {failed} twins failed")
    return 1 if failed or (a.strict and differ) else 0


if __name__ == "__main__":
    sys.exit(main())
