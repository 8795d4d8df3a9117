#!/usr/bin/env python3
"""proofs/coverage.py - how much of the engine is under a proved contract.

Reads the logs of the last proof run (build/proofs/*.log, those of the
runs build/proofs/results lists as ok) and the sources src/*.c (the tool,
src/tool/, left out), and prints

    proved: <L> of <N> code lines of src/*.c (<P>%), <F> functions

where a function counts as proved when the runs produced at least one
goal of it (WP's goal names are typed_<function>_<property>) and every
goal of it, in every run, was Valid; L is the code lines of those
functions and N all code lines of src/*.c (a code line: one that holds
something besides blanks and comments). With --table FILE it also
writes FILE, a markdown table of every function of src/*.c: file, name,
code lines, goals proved / goals, and whether it is proved. With
--slowest N [LOGDIR] it prints instead a markdown table of the N proved
goals whose prover took longest (seconds, which the load moves, and
prover steps, which it does not). With --readme FILE it rewrites the part
of FILE (proofs/README.md) between the lines <!-- coverage:begin --> and
<!-- coverage:end -->: the totals, one row per file and one per proved
function; --check-readme FILE only compares that part with what the logs
give, and exits 3 when it is stale (tests/run.sh runs it after the
proofs).

Exit status: 0, or 1 when no run's log is there (nothing to count), or 2
when a run of the results file did not end ok (its functions are then
not counted: the line says so).
"""
import glob
import os
import re
import sys

# A goal line; WP leaves the time out when it is too small to print, so
# the verdict may end the line (re.M: $ at every line's end).
GOAL = re.compile(r"Goal typed_(\w+) : (\w[\w ]*?)(?: \(|$)", re.M)
ANNOT = re.compile(r"annotating function (\w+)")


def strip_comments(text):
    """The text with comments blanked and the insides of string and
    character literals made neutral, line structure kept."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + re.sub(r"[^\n]", "_", text[i + 1:j]) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(path):
    """(name, first line, last line) of each function defined in path,
    and the file's code lines (1-based numbers)."""
    code = strip_comments(open(path, encoding="utf-8").read())
    lines = code.split("\n")
    code_lines = {k + 1 for k, l in enumerate(lines) if l.strip()}
    fns, depth, start, sig = [], 0, None, ""
    for k, l in enumerate(lines, 1):
        if depth == 0 and start is None and l.strip() and \
                not l.lstrip().startswith("#"):
            start, sig = k, ""
        for ch in l:
            if depth == 0 and start is not None:
                sig += ch
            if ch == "{":
                depth += 1
                if depth == 1:
                    m = re.search(r"(\w+)\s*\([^;]*\)\s*\{$",
                                  " ".join(sig.split()))
                    fn = m.group(1) if m else None
                    fstart = start
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    if fn:
                        fns.append((fn, fstart, k))
                    start, fn = None, None
            elif ch == ";" and depth == 0:
                start = None
        if depth == 0 and start is not None and l.strip().startswith("#"):
            start = None
    return fns, code_lines


PARSED = re.compile(r"\[kernel\] Parsing (\S+\.c)\b")
_defs = {}


def defined_in(path):
    """The names of the functions defined in path (cached)."""
    if path not in _defs:
        try:
            _defs[path] = {n for n, _, _ in functions(path)[0]}
        except OSError:
            _defs[path] = set()
    return _defs[path]


def goals(logdir):
    """{(file, function): [proved, total]} over the ok runs' logs; the runs
    not ok. A goal's function is attributed to the file among those the
    run parsed that defines it (two files may each have a static function
    of the same name: backup.c's and dump.c's enter); None when no parsed
    file does (a harness of proofs/, or a log that names no file)."""
    res = os.path.join(logdir, "results")
    runs, bad = [], []
    if os.path.exists(res):
        for l in open(res):
            f = l.split()
            if len(f) >= 3:
                (runs if f[2] == "ok" else bad).append(f[1])
    else:
        runs = [os.path.basename(p)[:-4]
                for p in glob.glob(os.path.join(logdir, "*.log"))]
    per = {}
    for r in runs:
        p = os.path.join(logdir, r + ".log")
        if not os.path.exists(p):
            continue
        text = open(p, encoding="utf-8", errors="replace").read()
        names = sorted(set(ANNOT.findall(text)), key=len, reverse=True)
        parsed = PARSED.findall(text)
        for g, verdict in GOAL.findall(text):
            fn = next((f for f in names if g.startswith(f + "_")), None)
            if fn is None:
                continue        # a lemma, or a goal of no function
            where = next((f for f in parsed if fn in defined_in(f)), None)
            st = per.setdefault((where, fn), [0, 0])
            st[1] += 1
            if verdict == "Valid":
                st[0] += 1
    return per, runs, bad


def selftest():
    """Checks the two parsers on made-up input; raises on a mismatch."""
    import tempfile
    src = ("/* f() { not code } */\n#include <x.h>\nstatic int a(int x)\n"
           "{\n    return x; /* } */\n}\n\nint b(void);\n"
           "int c(const char *s,\n      int n)\n{\n    if (n) {\n"
           "        return s[0] == '}';\n    }\n    return 0;\n}\n"
           "static const int t[2] = {1, 2};\n")
    d = tempfile.mkdtemp()
    p = os.path.join(d, "x.c")
    open(p, "w").write(src)
    fns, code = functions(p)
    assert fns == [("a", 3, 6), ("c", 9, 16)], fns
    assert len(code) == 15, sorted(code)
    q = os.path.join(d, "y.c")
    open(q, "w").write("static int a(void)\n{\n    return 1;\n}\n")
    log = ("[kernel] Parsing %s (with preprocessing)\n" % q +
           "[rte:annot] annotating function a\n"
           "[wp] [Qed] Goal typed_a_ensures : Valid (1ms)\n"
           "[rte:annot] annotating function page_read\n"
           "[rte:annot] annotating function page\n"
           "[wp] [Qed] Goal typed_page_read_ensures_ok : Valid (1ms)\n"
           "[wp] [Qed] Goal typed_page_read_assigns : Valid\n"
           "[wp] [CVC4] Goal typed_page_assert_rte : Unknown (Qed:1ms)\n"
           "[wp] [Z3] Goal typed_lemma_Lsl : Valid (2ms)\n")
    open(os.path.join(d, "r.log"), "w").write(log)
    open(os.path.join(d, "results"), "w").write("m r ok 3 3 1\nm q FAILED 1 2 1\n")
    per, runs, bad = goals(d)
    # y.c's a proved, x.c's a (the same name) not
    assert per == {(None, "page_read"): [2, 2], (None, "page"): [0, 1],
                   (q, "a"): [1, 1]}, per
    assert runs == ["r"] and bad == ["q"], (runs, bad)
    print("coverage.py selftest: ok")


SLOW = re.compile(r"\[wp\] \[([^\]]+)\] Goal typed_(\w+) : Valid"
                  r"(?: \(Qed:[^)]*\))? \(([\d.]+)(ms|s)\)(?: \((\d+)\))?")


def slowest(logdir, n):
    """The n proved goals whose prover took longest: (seconds, steps,
    prover, goal, run)."""
    out = []
    for p in glob.glob(os.path.join(logdir, "*.log")):
        run = os.path.basename(p)[:-4]
        for m in SLOW.finditer(open(p, encoding="utf-8",
                                    errors="replace").read()):
            t = float(m.group(3)) / (1000.0 if m.group(4) == "ms" else 1.0)
            out.append((t, int(m.group(5) or 0), m.group(1), m.group(2), run))
    return sorted(out, reverse=True)[:n]


def main(argv):
    if len(argv) >= 2 and argv[0] == "--slowest":
        logdir = argv[2] if len(argv) > 2 else "build/proofs"
        print("| seconds | prover steps | prover | goal | run |")
        print("|---:|---:|---|---|---|")
        for t, st, pr, g, run in slowest(logdir, int(argv[1])):
            print("| %.2f | %d | %s | `%s` | %s |" % (t, st, pr, g, run))
        return 0
    if argv == ["--selftest"]:
        selftest()
        return 0
    table = readme = None
    check = False
    if len(argv) >= 2 and argv[0] == "--table":
        table, argv = argv[1], argv[2:]
    if len(argv) >= 2 and argv[0] in ("--readme", "--check-readme"):
        check = argv[0] == "--check-readme"
        readme, argv = argv[1], argv[2:]
    logdir = argv[0] if argv else "build/proofs"
    per, runs, bad = goals(logdir)
    if not runs:
        print("proved: no proof run's log in %s" % logdir)
        return 1
    rows, total, proved_lines, nproved = [], 0, 0, 0
    for path in sorted(glob.glob("src/*.c")):
        fns, code = functions(path)
        total += len(code)
        for name, a, b in fns:
            n = len([k for k in code if a <= k <= b])
            ok, all_ = per.get((path, name), [0, 0])
            is_proved = all_ > 0 and ok == all_
            if is_proved:
                proved_lines += n
                nproved += 1
            rows.append((path, name, n, ok, all_, is_proved))
    pct = 100.0 * proved_lines / total if total else 0.0
    note = ""
    if bad:
        note = " (runs not ok, not counted: %s)" % ", ".join(bad)
    print("proved: %d of %d code lines of src/*.c (%.1f%%), %d functions%s"
          % (proved_lines, total, pct, nproved, note))
    if table:
        with open(table, "w") as f:
            f.write("<!-- generated by proofs/coverage.py from a proof run's "
                    "logs: do not edit -->\n")
            f.write("# Functions of src/*.c under a proved contract\n\n")
            f.write("%d of %d code lines (%.1f%%), %d functions. A function "
                    "is proved when WP produced goals of it and proved every "
                    "one (-wp-rte: its runtime-error goals included).\n\n"
                    % (proved_lines, total, pct, nproved))
            f.write("| file | function | code lines | goals proved | proved |\n")
            f.write("|---|---|---:|---:|---|\n")
            for path, name, n, ok, all_, p in rows:
                f.write("| %s | `%s` | %d | %s | %s |\n" % (
                    path, name, n, "%d / %d" % (ok, all_) if all_ else "-",
                    "yes" if p else ""))
    if readme:
        rc = update_readme(readme, readme_section(rows, total, proved_lines,
                                                  nproved, pct), check)
        if rc:
            return rc
    return 2 if bad else 0


BEGIN, END = "<!-- coverage:begin -->", "<!-- coverage:end -->"


def readme_section(rows, total, proved_lines, nproved, pct):
    """The generated part of proofs/README.md: totals, files, functions."""
    out = ["%s" % BEGIN,
           "<!-- generated by `python3 proofs/coverage.py --readme "
           "proofs/README.md` from a full proof run: do not edit -->",
           "",
           "**%d of %d code lines of src/*.c (%.1f%%) in %d functions under "
           "a proved contract** (a code line holds something besides blanks "
           "and comments; a function counts when WP produced goals of it and "
           "proved every one, its -wp-rte goals included; src/tool/ is not "
           "counted)." % (proved_lines, total, pct, nproved),
           "",
           "| file | code lines | in proved functions | share | proved functions |",
           "|---|---:|---:|---:|---:|"]
    files = {}
    for path, name, n, ok, all_, p in rows:
        f = files.setdefault(path, [0, 0, 0])
        f[1] += n if p else 0
        f[2] += 1 if p else 0
    for path in sorted(files):
        fns, code = functions(path)
        lines, pl, pf = len(code), files[path][1], files[path][2]
        out.append("| %s | %d | %d | %.0f%% | %d |" % (
            path, lines, pl, 100.0 * pl / lines if lines else 0.0, pf))
    out += ["", "| file | proved function | code lines | goals |",
            "|---|---|---:|---:|"]
    for path, name, n, ok, all_, p in rows:
        if p:
            out.append("| %s | `%s` | %d | %d |" % (path, name, n, all_))
    out.append(END)
    return "\n".join(out) + "\n"


def update_readme(path, section, check):
    """Puts section between the markers of path (check: only compares)."""
    text = open(path, encoding="utf-8").read()
    a, b = text.find(BEGIN), text.find(END)
    if a < 0 or b < a:
        print("coverage.py: %s has no %s ... %s part" % (path, BEGIN, END))
        return 3
    new = text[:a] + section + text[b + len(END) + 1:]
    if check:
        if new != text:
            print("coverage.py: the table of %s is stale: run python3 "
                  "proofs/coverage.py --readme %s after a full proof run"
                  % (path, path))
            return 3
        print("coverage.py: the table of %s is current" % path)
        return 0
    with open(path, "w", encoding="utf-8") as f:
        f.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
