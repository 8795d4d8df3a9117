package main

// replay.go - `bolttool replay FILE`: applies a trace of the differential
// tests (the trace language of tests/diff/README.md) read on stdin to the
// database FILE (created when missing, page size 4096) and prints one
// result line per operation on stdout.
//
// This file is shared by two replayers: bolttool (bbolt 1.3.6) and
// boltdbtool (boltdb 1.3.1). tests/go/boltdbtool/replay.go is this file with
// the bolt import rewritten; tests/diff/run.sh checks that the two agree
// (regenerate with `bash tests/diff/sync-boltdb.sh`). Edit this copy only.

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// replayMmapSize is the initial mapping of the replayed database. bbolt
// (and boltdb) remap the file when it outgrows the mapping, and the remap
// waits until every read transaction has ended; a read transaction held open
// in the same goroutine then deadlocks the replayer. A 1 GiB mapping (address
// space only; the file is not grown by it) puts that point out of reach of
// the traces. It changes nothing in the file format or the results.
const replayMmapSize = 1 << 30

type replayer struct {
	path  string
	db    *bolt.DB
	slots map[string]*bolt.Tx
	rw    string // slot of the open read-write transaction, "" if none
}

func cmdReplay(path string) int {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	r := &replayer{path: path, slots: map[string]*bolt.Tx{}}
	if err := r.open(); err != nil {
		fmt.Fprintln(os.Stderr, "replay: open:", err)
		return 1
	}
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriterSize(os.Stdout, 1<<16)
	for {
		line, err := in.ReadString('\n')
		if len(line) > 0 {
			if res, skip := r.line(line); !skip {
				out.WriteString(res)
				out.WriteByte('\n')
				// Flush at every line: a fatal error (which cannot be
				// recovered) then still shows every result before it.
				if out.Flush() != nil {
					return 1
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "replay: read:", err)
			return 1
		}
	}
	r.rollbackAll()
	if r.db != nil {
		if err := r.db.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "replay: close:", err)
			return 1
		}
	}
	if out.Flush() != nil {
		return 1
	}
	return 0
}

func (r *replayer) open() error {
	// Default options: the page size of a new file is the OS page size
	// (boltdb has no option for it); the traces expect 4096.
	db, err := bolt.Open(r.path, 0600, &bolt.Options{InitialMmapSize: replayMmapSize})
	if err != nil {
		r.db = nil
		return err
	}
	if ps := db.Info().PageSize; ps != 4096 {
		db.Close()
		r.db = nil
		return fmt.Errorf("page size %d, want 4096", ps)
	}
	r.db = db
	return nil
}

// rollbackAll ends every open transaction, in slot-name order.
func (r *replayer) rollbackAll() {
	names := make([]string, 0, len(r.slots))
	for s := range r.slots {
		names = append(names, s)
	}
	sort.Strings(names)
	for _, s := range names {
		func() {
			defer func() { recover() }()
			r.slots[s].Rollback()
		}()
		delete(r.slots, s)
	}
	r.rw = ""
}

// line runs one trace line; skip is set for blank and comment lines.
func (r *replayer) line(line string) (res string, skip bool) {
	line = strings.TrimRight(line, "\r\n")
	f := strings.FieldsFunc(line, func(c rune) bool { return c == ' ' || c == '\t' })
	if len(f) == 0 || strings.HasPrefix(f[0], "#") {
		return "", true
	}
	defer func() {
		if p := recover(); p != nil {
			res = "err panic " + oneLine(fmt.Sprint(p))
			// The transaction of the slot is not usable any more.
			if tx := r.slots[f[0]]; tx != nil {
				func() {
					defer func() { recover() }()
					tx.Rollback()
				}()
				delete(r.slots, f[0])
				if r.rw == f[0] {
					r.rw = ""
				}
			}
		}
	}()
	return r.exec(f), false
}

func oneLine(s string) string {
	return strings.Map(func(c rune) rune {
		if c == '\n' || c == '\r' {
			return ' '
		}
		return c
	}, s)
}

const badTrace = "err bad-trace"

// hexArg decodes a byte string of the trace: lowercase hex, "-" for empty.
func hexArg(s string) ([]byte, bool) {
	if s == "-" {
		return []byte{}, true
	}
	if len(s)%2 != 0 {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return nil, false
		}
	}
	b, err := hex.DecodeString(s)
	return b, err == nil
}

// pathArg decodes a bucket path: one or more byte strings joined by "/".
func pathArg(s string) ([][]byte, bool) {
	parts := strings.Split(s, "/")
	out := make([][]byte, len(parts))
	for i, p := range parts {
		b, ok := hexArg(p)
		if !ok || p == "" {
			return nil, false
		}
		out[i] = b
	}
	return out, true
}

// decArg parses an unsigned 64-bit decimal number without sign or leading
// zeros.
func decArg(s string) (uint64, bool) {
	if s == "" || len(s) > 1 && s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

func hx(b []byte) string {
	if len(b) == 0 {
		return "-"
	}
	return hex.EncodeToString(b)
}

// errName maps a bolt error to its trace name.
func errName(err error) string {
	switch err {
	case nil:
		return "ok"
	case bolt.ErrBucketNotFound:
		return "err bucket-not-found"
	case bolt.ErrBucketExists:
		return "err bucket-exists"
	case bolt.ErrBucketNameRequired:
		return "err bucket-name-required"
	case bolt.ErrKeyRequired:
		return "err key-required"
	case bolt.ErrKeyTooLarge:
		return "err key-too-large"
	case bolt.ErrValueTooLarge:
		return "err value-too-large"
	case bolt.ErrIncompatibleValue:
		return "err incompatible-value"
	case bolt.ErrTxNotWritable:
		return "err tx-not-writable"
	case bolt.ErrTxClosed:
		return "err tx-closed"
	case bolt.ErrDatabaseReadOnly:
		return "err database-read-only"
	case bolt.ErrDatabaseNotOpen:
		return "err database-not-open"
	case bolt.ErrInvalid:
		return "err invalid"
	case bolt.ErrVersionMismatch:
		return "err version-mismatch"
	case bolt.ErrChecksum:
		return "err checksum"
	case bolt.ErrTimeout:
		return "err timeout"
	}
	return "err other " + oneLine(err.Error())
}

// arity of each operation: number of arguments after the op.
var arity = map[string]int{
	"begin": 1, "commit": 0, "rollback": 0,
	"create-bucket": 1, "create-bucket-if-not-exists": 1, "delete-bucket": 1,
	"put": 3, "delete": 2, "get": 2, "seek": 2,
	"sequence": 1, "next-sequence": 1, "set-sequence": 2,
	"reopen": 0,
}

func (r *replayer) exec(f []string) string {
	if len(f) < 2 {
		return badTrace
	}
	slot, op, args := f[0], f[1], f[2:]
	n, known := arity[op]
	if !known || len(args) != n {
		return badTrace
	}
	if (op == "reopen") != (slot == "-") {
		return badTrace
	}
	// Decode every argument before anything else: a malformed line is
	// bad-trace whatever the state.
	var path [][]byte
	var key, val []byte
	var num uint64
	ok := true
	switch op {
	case "begin":
		ok = args[0] == "rw" || args[0] == "ro"
	case "create-bucket", "create-bucket-if-not-exists", "delete-bucket", "sequence", "next-sequence":
		path, ok = pathArg(args[0])
	case "put":
		path, ok = pathArg(args[0])
		if ok {
			key, ok = hexArg(args[1])
		}
		if ok {
			val, ok = hexArg(args[2])
		}
	case "delete", "get", "seek":
		path, ok = pathArg(args[0])
		if ok {
			key, ok = hexArg(args[1])
		}
	case "set-sequence":
		path, ok = pathArg(args[0])
		if ok {
			num, ok = decArg(args[1])
		}
	}
	if !ok {
		return badTrace
	}

	switch op {
	case "reopen":
		r.rollbackAll()
		res := "ok"
		if r.db != nil {
			if err := r.db.Close(); err != nil {
				res = errName(err)
			}
			r.db = nil
		}
		if err := r.open(); err != nil && res == "ok" {
			res = errName(err)
		}
		return res
	case "begin":
		rw := args[0] == "rw"
		if r.slots[slot] != nil || rw && r.rw != "" {
			return badTrace
		}
		if r.db == nil {
			return errName(bolt.ErrDatabaseNotOpen)
		}
		tx, err := r.db.Begin(rw)
		if err != nil {
			return errName(err)
		}
		r.slots[slot] = tx
		if rw {
			r.rw = slot
		}
		return "ok"
	}

	tx := r.slots[slot]
	if tx == nil {
		return errName(bolt.ErrTxClosed)
	}
	switch op {
	case "commit", "rollback":
		delete(r.slots, slot)
		if r.rw == slot {
			r.rw = ""
		}
		var err error
		if op == "commit" {
			err = tx.Commit()
		} else {
			err = tx.Rollback()
		}
		if err != nil {
			// A failed commit has rolled back a read-write transaction;
			// a read-only one is still open (ErrTxNotWritable).
			func() {
				defer func() { recover() }()
				tx.Rollback()
			}()
		}
		return errName(err)
	case "create-bucket", "create-bucket-if-not-exists", "delete-bucket":
		name := path[len(path)-1]
		var err error
		if len(path) == 1 {
			switch op {
			case "create-bucket":
				_, err = tx.CreateBucket(name)
			case "create-bucket-if-not-exists":
				_, err = tx.CreateBucketIfNotExists(name)
			default:
				err = tx.DeleteBucket(name)
			}
		} else {
			b, res := bucketAtPath(tx, path[:len(path)-1])
			if b == nil {
				return res
			}
			switch op {
			case "create-bucket":
				_, err = b.CreateBucket(name)
			case "create-bucket-if-not-exists":
				_, err = b.CreateBucketIfNotExists(name)
			default:
				err = b.DeleteBucket(name)
			}
		}
		return errName(err)
	}

	b, res := bucketAtPath(tx, path)
	if b == nil {
		return res
	}
	switch op {
	case "put":
		return errName(b.Put(key, val))
	case "delete":
		return errName(b.Delete(key))
	case "get":
		if v := b.Get(key); v != nil {
			return "ok " + hx(v)
		}
		// Get answers nil for a nested bucket too: tell them apart with
		// a cursor (the trace never stores a nil value, so only a bucket
		// reads back as a nil value).
		if k, v := b.Cursor().Seek(key); k != nil && v == nil && bytes.Equal(k, key) {
			return "bucket"
		}
		return "nil"
	case "seek":
		k, v := b.Cursor().Seek(key)
		if k == nil {
			return "nil"
		}
		if v == nil {
			return "ok " + hx(k) + " bucket"
		}
		return "ok " + hx(k) + " " + hx(v)
	case "sequence":
		return "ok " + strconv.FormatUint(b.Sequence(), 10)
	case "next-sequence":
		n, err := b.NextSequence()
		if err != nil {
			return errName(err)
		}
		return "ok " + strconv.FormatUint(n, 10)
	case "set-sequence":
		return errName(b.SetSequence(num))
	}
	return badTrace
}

// bucketAtPath opens the bucket at path; when it is missing it returns nil
// and the result line.
func bucketAtPath(tx *bolt.Tx, path [][]byte) (*bolt.Bucket, string) {
	b := tx.Bucket(path[0])
	for _, name := range path[1:] {
		if b == nil {
			break
		}
		b = b.Bucket(name)
	}
	if b == nil {
		return nil, errName(bolt.ErrBucketNotFound)
	}
	return b, ""
}
