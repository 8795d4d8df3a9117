package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// openReadOnly opens an existing database file read-only.
//
// bbolt opens with O_CREATE even in read-only mode, so a missing file would be
// created as an empty file: refuse missing and non-regular files first.
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
	db, err = bolt.Open(path, 0600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open %s: %v", path, err)
	}
	return db, nil
}

// recoverTo turns a panic (bbolt panics on many kinds of corruption) into an
// error stored in *err.
func recoverTo(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("panic: %v", r)
	}
}

// dumper writes the canonical dump.
type dumper struct {
	w   *bufio.Writer
	hex []byte // scratch buffer for hex encoding
}

// putHex writes b in lowercase hex, or "-" when b is empty.
func (d *dumper) putHex(b []byte) {
	if len(b) == 0 {
		d.w.WriteByte('-')
		return
	}
	n := hex.EncodedLen(len(b))
	if cap(d.hex) < n {
		d.hex = make([]byte, n)
	}
	hex.Encode(d.hex[:n], b)
	d.w.Write(d.hex[:n])
}

// childPath returns the path of the bucket name inside the bucket at path.
func childPath(path []byte, name []byte) []byte {
	p := make([]byte, 0, len(path)+1+hex.EncodedLen(len(name)))
	p = append(p, path...)
	if len(path) > 0 {
		p = append(p, '/')
	}
	if len(name) == 0 {
		return append(p, '-')
	}
	n := len(p)
	p = p[:n+hex.EncodedLen(len(name))]
	hex.Encode(p[n:], name)
	return p
}

// bucket dumps the contents of b, whose path is path ("" for the root bucket).
func (d *dumper) bucket(b *bolt.Bucket, path []byte) {
	var num [20]byte
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil {
			if child := b.Bucket(k); child != nil {
				cp := childPath(path, k)
				d.w.WriteString("bucket ")
				d.w.Write(cp)
				d.w.WriteByte(' ')
				d.w.Write(strconv.AppendUint(num[:0], child.Sequence(), 10))
				d.w.WriteByte('\n')
				d.bucket(child, cp)
				continue
			}
		}
		d.w.WriteString("kv ")
		if len(path) == 0 {
			// A plain value in the root bucket: bbolt's API cannot create
			// one, but a foreign writer could. Its path is empty.
			d.w.WriteByte('-')
		} else {
			d.w.Write(path)
		}
		d.w.WriteByte(' ')
		d.putHex(k)
		d.w.WriteByte(' ')
		d.putHex(v)
		d.w.WriteByte('\n')
	}
}

// writeDump writes the canonical dump of db to w (not flushed if an error is
// returned; flushed by the caller otherwise).
func writeDump(db *bolt.DB, w *bufio.Writer) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer recoverTo(&err)
	if err := validateDB(db, false); err != nil {
		return err
	}
	return db.View(func(tx *bolt.Tx) error {
		d := &dumper{w: w}
		d.bucket(tx.Cursor().Bucket(), nil)
		return nil
	})
}

// dumpFile writes the canonical dump of the database file path to out.
func dumpFile(path string, out io.Writer) error {
	db, err := openReadOnly(path)
	if err != nil {
		return err
	}
	defer db.Close()
	w := bufio.NewWriterSize(out, 1<<20)
	if err := writeDump(db, w); err != nil {
		return err
	}
	return w.Flush()
}

// writeStats writes one stats line per top-level bucket.
func writeStats(db *bolt.DB, w *bufio.Writer) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer recoverTo(&err)
	if err := validateDB(db, false); err != nil {
		return err
	}
	return db.View(func(tx *bolt.Tx) error {
		c := tx.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if v != nil {
				continue
			}
			b := tx.Bucket(k)
			if b == nil {
				continue
			}
			s := b.Stats()
			w.WriteString("stats ")
			w.WriteString(hex.EncodeToString(k))
			for _, n := range []int{s.BranchPageN, s.BranchOverflowN, s.LeafPageN,
				s.LeafOverflowN, s.KeyN, s.Depth, s.BranchAlloc, s.BranchInuse,
				s.LeafAlloc, s.LeafInuse, s.BucketN, s.InlineBucketN, s.InlineBucketInuse} {
				w.WriteByte(' ')
				w.WriteString(strconv.Itoa(n))
			}
			w.WriteByte('\n')
		}
		return nil
	})
}

// statsFile writes the stats output of the database file path to out.
func statsFile(path string, out io.Writer) error {
	db, err := openReadOnly(path)
	if err != nil {
		return err
	}
	defer db.Close()
	w := bufio.NewWriter(out)
	if err := writeStats(db, w); err != nil {
		return err
	}
	return w.Flush()
}

// traverse visits every key, value and bucket, like the dump, without output.
// It is run before tx.Check() so that corruption that makes bbolt panic is
// reported as an error: tx.Check() runs in its own goroutine, where a panic
// cannot be recovered.
func traverse(b *bolt.Bucket) {
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil {
			if child := b.Bucket(k); child != nil {
				_ = child.Sequence()
				traverse(child)
			}
		}
	}
}

// checkDB runs tx.Check() on db. A non-nil error means the check could not be
// run (the file is too damaged for bbolt); errs holds the errors reported by
// tx.Check().
func checkDB(db *bolt.DB) (errs []error, err error) {
	err = func() (err error) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer recoverTo(&err)
		if err := validateDB(db, true); err != nil {
			return err
		}
		return db.View(func(tx *bolt.Tx) error {
			traverse(tx.Cursor().Bucket())
			return nil
		})
	}()
	if err != nil {
		return nil, err
	}
	err = db.View(func(tx *bolt.Tx) error {
		for e := range tx.Check() {
			errs = append(errs, e)
		}
		return nil
	})
	return errs, err
}
