package main

// run.go - runs one trace on every peer and compares what they did.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// peer is one implementation: argv + {replay,dump,check} FILE.
type peer struct {
	name string
	argv []string
}

func parsePeer(s string) (peer, error) {
	i := strings.IndexByte(s, '=')
	if i <= 0 || i == len(s)-1 {
		return peer{}, fmt.Errorf("peer %q: want NAME=CMD", s)
	}
	argv := strings.Fields(s[i+1:])
	if len(argv) == 0 {
		return peer{}, fmt.Errorf("peer %q: empty command", s)
	}
	return peer{name: s[:i], argv: argv}, nil
}

var cmdTimeout = 120 * time.Second

// run runs `argv sub file` with stdin, in its own process group, killed
// after cmdTimeout.
func (p peer) run(sub, file string, stdin []byte) (stdout, stderr []byte, err error) {
	args := append(append([]string(nil), p.argv[1:]...), sub, file)
	cmd := exec.Command(p.argv[0], args...)
	var ob, eb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &ob, &eb
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	timedOut := false
	t := time.AfterFunc(cmdTimeout, func() {
		timedOut = true
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	})
	err = cmd.Wait()
	t.Stop()
	if timedOut {
		err = fmt.Errorf("timed out after %v", cmdTimeout)
	}
	return ob.Bytes(), eb.Bytes(), err
}

// finding is one difference between peers.
type finding struct {
	kind   string // results, exit, dump, check, cross-dump
	a, b   string // results/dump: the two peers; check/cross-dump: checker, owner
	line   int    // results: 1-based result line (= operation number)
	tline  int    // results: its line number in the trace file
	op     string // results: the operation
	detail string // what each side did
	known  string // id of the known difference that explains it, "" if none
}

// sig identifies a kind of difference: shrinking keeps it, and a run shrinks
// one trace per sig. For results it includes the operation (put, get, ...).
func (f finding) sig() string {
	s := f.kind + " " + f.a + " " + f.b
	if op := strings.Fields(f.op); f.kind == "results" && len(op) >= 2 {
		s += " " + op[1]
	}
	return s
}

func (f finding) String() string {
	switch f.kind {
	case "results":
		return fmt.Sprintf("results differ, %s vs %s at operation %d (trace line %d): %s\n%s", f.a, f.b, f.line, f.tline, clip(f.op), f.detail)
	case "exit":
		return fmt.Sprintf("%s replay failed\n%s", f.a, f.detail)
	case "dump":
		if f.a == f.b {
			return fmt.Sprintf("%s cannot dump its own file\n%s", f.a, f.detail)
		}
		return fmt.Sprintf("dumps differ, %s vs %s\n%s", f.a, f.b, f.detail)
	case "check":
		return fmt.Sprintf("%s check of %s's file failed\n%s", f.a, f.b, f.detail)
	case "cross-dump":
		return fmt.Sprintf("%s dump of %s's file differs from %s's own dump\n%s", f.a, f.b, f.b, f.detail)
	}
	return f.kind + " " + f.detail
}

// clip shortens a line for a report.
func clip(s string) string {
	const max = 200
	if len(s) <= max {
		return s
	}
	return fmt.Sprintf("%s...(%d chars)", s[:max], len(s))
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i := range lines {
		lines[i] = "    " + clip(lines[i])
	}
	return strings.Join(lines, "\n")
}

// traceOps returns the operation lines of a trace (the lines that print a
// result), in order, and the trace line number of each.
func traceOps(trace []byte) (ops []string, lineNo []int) {
	for i, l := range strings.Split(string(trace), "\n") {
		l = strings.TrimRight(l, "\r")
		f := strings.FieldsFunc(l, func(c rune) bool { return c == ' ' || c == '\t' })
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		ops = append(ops, l)
		lineNo = append(lineNo, i+1)
	}
	return
}

func splitLines(b []byte) []string {
	s := string(b)
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// outcome is what one peer did with a trace.
type outcome struct {
	p       peer
	file    string
	results []string
	exitErr string // "" when the replay exited 0
	dump    []byte
	dumpErr string
}

type runConfig struct {
	peers     []peer
	ref       string // reference peer name
	crossDump bool
	tmp       string // directory for the database files
	upto      int    // 1: results only, 2: and dumps, 0 or 3: and checks
}

// runTrace replays trace on every peer of cfg and returns the findings (known
// ones included). expected, when not nil, replaces the reference's results.
func runTrace(cfg *runConfig, trace []byte, expected []string) []finding {
	dir, err := os.MkdirTemp(cfg.tmp, "t")
	if err != nil {
		return []finding{{kind: "exit", a: "driver", detail: err.Error()}}
	}
	defer os.RemoveAll(dir)
	ops, lineNo := traceOps(trace)
	var outs []*outcome
	var fs []finding
	for _, p := range cfg.peers {
		o := &outcome{p: p, file: filepath.Join(dir, p.name+".db")}
		stdout, stderr, err := p.run("replay", o.file, trace)
		o.results = splitLines(stdout)
		if err != nil {
			o.exitErr = fmt.Sprintf("%v\n%s", err, tail(stderr, 10))
			fs = append(fs, finding{kind: "exit", a: p.name, detail: indent(o.exitErr)})
		} else if len(o.results) != len(ops) {
			fs = append(fs, finding{kind: "exit", a: p.name,
				detail: indent(fmt.Sprintf("printed %d result lines for %d operations", len(o.results), len(ops)))})
		}
		outs = append(outs, o)
	}

	// 1. Results: every peer against the reference (or the expected lines).
	refRes := expected
	refName := "expected"
	if expected == nil {
		for _, o := range outs {
			if o.p.name == cfg.ref {
				refRes = o.results
				refName = o.p.name
			}
		}
	}
	sameResults := map[string]bool{} // peers whose results match the reference up to known differences
	exact := map[string]bool{}
	for _, o := range outs {
		if expected == nil && o.p.name == cfg.ref {
			sameResults[o.p.name] = true
			exact[o.p.name] = true
			continue
		}
		fs2, same := compareResults(refName, o.p.name, ops, lineNo, refRes, o.results)
		fs = append(fs, fs2...)
		sameResults[o.p.name] = same
		exact[o.p.name] = same && len(fs2) == 0
	}

	if cfg.upto == 1 {
		return fs
	}

	// 2. Dumps: each peer dumps its own file.
	for _, o := range outs {
		if o.exitErr != "" {
			continue
		}
		stdout, stderr, err := o.p.run("dump", o.file, nil)
		o.dump = stdout
		if err != nil {
			o.dumpErr = fmt.Sprintf("%v\n%s", err, tail(stderr, 10))
			fs = append(fs, finding{kind: "dump", a: o.p.name, b: o.p.name, detail: indent("dump failed: " + o.dumpErr)})
		}
	}
	// The dump reference: the reference peer, or with expected lines the
	// first peer that printed exactly them.
	var dref *outcome
	for _, o := range outs {
		if (expected == nil && o.p.name == cfg.ref || expected != nil && exact[o.p.name]) && o.exitErr == "" && o.dumpErr == "" {
			dref = o
			break
		}
	}
	if dref != nil {
		for _, o := range outs {
			if o == dref || o.exitErr != "" || o.dumpErr != "" || !sameResults[o.p.name] {
				continue
			}
			if d := diffText(dref.p.name, o.p.name, dref.dump, o.dump); d != "" {
				fs = append(fs, finding{kind: "dump", a: dref.p.name, b: o.p.name, detail: d})
			}
		}
	}

	if cfg.upto == 2 {
		return fs
	}

	// 3. Every file checked by every peer, and read back by the others.
	for _, owner := range outs {
		if owner.exitErr != "" {
			continue
		}
		for _, c := range cfg.peers {
			stdout, stderr, err := c.run("check", owner.file, nil)
			if err != nil {
				msg := strings.TrimSpace(string(stdout) + "\n" + tail(stderr, 5))
				f := finding{kind: "check", a: c.name, b: owner.p.name, detail: indent(fmt.Sprintf("%v\n%s", err, head(msg, 20)))}
				f.known = knownCheck(c.name, owner, msg, ops)
				fs = append(fs, f)
			}
			if !cfg.crossDump || c.name == owner.p.name || owner.dumpErr != "" {
				continue
			}
			stdout, stderr, err = c.run("dump", owner.file, nil)
			if err != nil {
				fs = append(fs, finding{kind: "cross-dump", a: c.name, b: owner.p.name,
					detail: indent(fmt.Sprintf("dump failed: %v\n%s", err, tail(stderr, 10)))})
			} else if d := diffText(owner.p.name, c.name, owner.dump, stdout); d != "" {
				fs = append(fs, finding{kind: "cross-dump", a: c.name, b: owner.p.name, detail: d})
			}
		}
	}
	return fs
}

// compareResults compares result lines; known differences of single lines
// are recorded and skipped. same reports whether every difference is known
// and does not change the state of the database (so the dumps must agree).
func compareResults(an, bn string, ops []string, lineNo []int, a, b []string) (fs []finding, same bool) {
	n := len(a)
	if len(b) > n {
		n = len(b)
	}
	same = true
	for i := 0; i < n; i++ {
		ra, rb := at(a, i), at(b, i)
		if ra == rb {
			continue
		}
		op, tl := "<no operation>", 0
		if i < len(ops) {
			op, tl = ops[i], lineNo[i]
		}
		f := finding{kind: "results", a: an, b: bn, line: i + 1, tline: tl, op: op,
			detail: indent(an+": "+ra) + "\n" + indent(bn+": "+rb)}
		if id := knownLine(an, bn, op, ra, rb); id != "" {
			f.known = id
			fs = append(fs, f)
			continue
		}
		fs = append(fs, f)
		same = false
		break
	}
	return fs, same
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "<missing>"
}

// diffText reports the first differing line of two dumps, "" if equal.
func diffText(an, bn string, a, b []byte) string {
	if bytes.Equal(a, b) {
		return ""
	}
	la, lb := splitLines(a), splitLines(b)
	n := len(la)
	if len(lb) > n {
		n = len(lb)
	}
	for i := 0; i < n; i++ {
		if at(la, i) != at(lb, i) {
			return indent(fmt.Sprintf("first difference at dump line %d (%d vs %d lines)\n%s: %s\n%s: %s",
				i+1, len(la), len(lb), an, at(la, i), bn, at(lb, i)))
		}
	}
	return indent("dumps differ in their final newline")
}

func tail(b []byte, n int) string {
	l := splitLines(b)
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

func head(s string, n int) string {
	l := strings.Split(s, "\n")
	if len(l) > n {
		l = append(l[:n], fmt.Sprintf("... (%d more lines)", len(l)-n))
	}
	return strings.Join(l, "\n")
}
