// Command boltdbtool is the boltdb 1.3.1 (github.com/boltdb/bolt) side of
// cbolt's differential tests (tests/diff).
//
// Usage:
//
//	boltdbtool replay FILE   apply the trace on stdin to FILE (tests/diff/README.md)
//	boltdbtool dump FILE     print the canonical dump of FILE (spec/dump.md)
//	boltdbtool check FILE    run tx.Check(); print OK or the errors
//
// replay.go is generated from tests/go/bolttool/replay.go by
// tests/diff/sync-boltdb.sh; do not edit it here.
package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	bolt "github.com/boltdb/bolt"
)

func usage() {
	fmt.Fprintf(os.Stderr, "usage: boltdbtool replay|dump|check FILE\n")
	os.Exit(2)
}

func main() {
	if len(os.Args) != 3 {
		usage()
	}
	cmd, arg := os.Args[1], os.Args[2]
	switch cmd {
	case "replay":
		os.Exit(cmdReplay(arg))
	case "dump":
		os.Exit(cmdDump(arg))
	case "check":
		os.Exit(cmdCheck(arg))
	default:
		usage()
	}
}

// openReadOnly opens an existing file read-only (boltdb would create a
// missing one).
func openReadOnly(path string) (db *bolt.DB, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("open %s: panic: %v", path, r)
		}
	}()
	return bolt.Open(path, 0600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
}

func recoverTo(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("panic: %v", r)
	}
}

type dumper struct{ w *bufio.Writer }

func (d *dumper) bucket(b *bolt.Bucket, path string) {
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil {
			if child := b.Bucket(k); child != nil {
				cp := hx(k)
				if path != "" {
					cp = path + "/" + cp
				}
				d.w.WriteString("bucket " + cp + " " + strconv.FormatUint(child.Sequence(), 10) + "\n")
				d.bucket(child, cp)
				continue
			}
		}
		p := path
		if p == "" {
			p = "-"
		}
		d.w.WriteString("kv " + p + " " + hx(k) + " " + hx(v) + "\n")
	}
}

func cmdDump(path string) int {
	db, err := openReadOnly(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "boltdbtool:", err)
		return 1
	}
	defer db.Close()
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	err = func() (err error) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer recoverTo(&err)
		return db.View(func(tx *bolt.Tx) error {
			(&dumper{w}).bucket(tx.Cursor().Bucket(), "")
			return nil
		})
	}()
	if err != nil {
		fmt.Fprintln(os.Stderr, "boltdbtool:", err)
		return 1
	}
	if w.Flush() != nil {
		return 1
	}
	return 0
}

// traverse visits every bucket before tx.Check(), which runs in a goroutine
// of its own where a panic cannot be recovered.
func traverse(b *bolt.Bucket) {
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil {
			if child := b.Bucket(k); child != nil {
				traverse(child)
			}
		}
	}
}

func cmdCheck(path string) int {
	db, err := openReadOnly(path)
	if err != nil {
		fmt.Println("boltdbtool:", err)
		return 1
	}
	defer db.Close()
	err = func() (err error) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer recoverTo(&err)
		return db.View(func(tx *bolt.Tx) error {
			traverse(tx.Cursor().Bucket())
			return nil
		})
	}()
	if err != nil {
		fmt.Println("corrupt:", err)
		return 1
	}
	n := 0
	db.View(func(tx *bolt.Tx) error {
		for e := range tx.Check() {
			fmt.Println(e)
			n++
		}
		return nil
	})
	if n == 0 {
		fmt.Println("OK")
		return 0
	}
	return 1
}
