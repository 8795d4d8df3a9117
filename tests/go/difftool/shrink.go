package main

// shrink.go - reduces a trace that shows a difference to a short one that
// still shows it (the same kind of finding between the same peers), by delta
// debugging over its operation lines, then by shortening long values.

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

type shrinker struct {
	cfg      *runConfig
	target   finding
	deadline time.Time
	tests    int
}

// subConfig runs only the peers the finding is about.
func (s *shrinker) subConfig() *runConfig {
	c := *s.cfg
	c.peers = nil
	for _, p := range s.cfg.peers {
		if p.name == s.target.a || p.name == s.target.b {
			c.peers = append(c.peers, p)
		}
	}
	switch s.target.kind {
	case "results", "dump", "exit":
		c.ref = s.target.a
	default: // check, cross-dump: a is the checker, b the owner of the file
		c.ref = s.target.b
	}
	switch s.target.kind {
	case "results", "exit":
		c.upto = 1
	case "dump":
		c.upto = 2
	default:
		c.upto = 3
	}
	c.crossDump = s.target.kind == "cross-dump"
	return &c
}

func joinTrace(header string, ops []string) []byte {
	return []byte(header + strings.Join(ops, "\n") + "\n")
}

// holds reports whether ops still show the target difference.
func (s *shrinker) holds(cfg *runConfig, ops []string) bool {
	s.tests++
	for _, f := range runTrace(cfg, joinTrace("", ops), nil) {
		if f.known == "" && f.sig() == s.target.sig() {
			return true
		}
	}
	return false
}

func (s *shrinker) expired() bool { return time.Now().After(s.deadline) }

// shrinkTrace returns the reduced operation lines.
func shrinkTrace(cfg *runConfig, trace []byte, target finding, budget time.Duration) ([]string, int) {
	s := &shrinker{cfg: cfg, target: target, deadline: time.Now().Add(budget)}
	sub := s.subConfig()
	ops, _ := traceOps(trace)
	// Nothing after the first differing result matters.
	if target.kind == "results" && target.line > 0 && target.line <= len(ops) {
		if cut := ops[:target.line]; s.holds(sub, cut) {
			ops = cut
		}
	}
	if !s.holds(sub, ops) {
		// Flaky or dependent on peers left out: keep the trace as it is.
		return ops, s.tests
	}
	ops = s.ddmin(sub, ops)
	ops = s.shortenValues(sub, ops)
	return ops, s.tests
}

// ddmin: remove chunks of lines (complements), halving the chunk size when
// no chunk can go.
func (s *shrinker) ddmin(cfg *runConfig, ops []string) []string {
	n := 2
	for len(ops) >= 2 && !s.expired() {
		chunk := (len(ops) + n - 1) / n
		reduced := false
		for start := 0; start < len(ops) && !s.expired(); start += chunk {
			end := start + chunk
			if end > len(ops) {
				end = len(ops)
			}
			cand := append(append([]string(nil), ops[:start]...), ops[end:]...)
			if len(cand) > 0 && s.holds(cfg, cand) {
				ops = cand
				reduced = true
				if n > 2 {
					n--
				}
				break
			}
		}
		if !reduced {
			if chunk == 1 {
				break
			}
			n *= 2
			if n > len(ops) {
				n = len(ops)
			}
		}
	}
	return ops
}

// shortenValues halves the values of put lines while the difference
// holds.
func (s *shrinker) shortenValues(cfg *runConfig, ops []string) []string {
	for i := 0; i < len(ops) && !s.expired(); i++ {
		f := fields(ops[i])
		if len(f) != 5 || f[1] != "put" {
			continue
		}
		for len(f[4]) > 16 && !s.expired() {
			shorter := f[4][:len(f[4])/4*2]
			cand := append([]string(nil), ops...)
			g := append([]string(nil), f...)
			g[4] = shorter
			cand[i] = strings.Join(g, " ")
			if !s.holds(cfg, cand) {
				break
			}
			ops, f = cand, g
		}
	}
	return ops
}

var unsafeName = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)

// saveRegress writes the shrunk trace under dir; it never overwrites an
// existing file (the same seed and difference give the same name). Returns
// the path.
func saveRegress(dir string, seed int64, target finding, ops []string, origOps int) (string, error) {
	name := unsafeName.ReplaceAllString(fmt.Sprintf("%s-%s-%s-s%d", target.kind, target.a, target.b, seed), "_")
	name = strings.ReplaceAll(name, "--", "-")
	if err := os.MkdirAll(dir, 0755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, name+".trace")
	if _, err := os.Stat(path); err == nil {
		return path, fmt.Errorf("%s exists already: not overwritten", path)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Shrunk by tests/diff (difftool) from seed %d (%d operations to %d).\n", seed, origOps, len(ops))
	for _, l := range strings.Split(target.String(), "\n") {
		fmt.Fprintf(&b, "# %s\n", strings.TrimSpace(clip(l)))
	}
	b.Write(joinTrace("", ops))
	return path, os.WriteFile(path, []byte(b.String()), 0644)
}
