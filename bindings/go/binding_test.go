package bbolt_test

// binding_test.go - what programs rely on when they use cbolt through this
// package in place of bbolt: values, errors, the lifetime of returned
// slices, transactions across goroutines. Run under the race detector by
// `make test` (tests/run.sh).

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	bolt "cbolt/bindings/go"
	berrors "cbolt/bindings/go/errors"
)

// open makes a database in a fresh directory, closed at the end of the
// test after a consistency check.
func open(t *testing.T, o *bolt.Options) *bolt.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.db")
	db, err := bolt.Open(path, 0600, o)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.View(func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				t.Errorf("check: %v", err)
			}
			return nil
		}); err != nil && err != bolt.ErrDatabaseNotOpen {
			t.Errorf("final check: %v", err)
		}
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return db
}

func mustUpdate(t *testing.T, db *bolt.DB, fn func(tx *bolt.Tx) error) {
	t.Helper()
	if err := db.Update(fn); err != nil {
		t.Fatalf("update: %v", err)
	}
}

func key(i int) []byte { return []byte(fmt.Sprintf("k%06d", i)) }

// Values come back as stored, across transactions and a reopen; absent
// keys and bucket names give nil; an empty value is empty but not nil.
func TestValuesRoundTrip(t *testing.T) {
	db := open(t, nil)
	big := bytes.Repeat([]byte("0123456789"), 100000) // overflow pages
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		for i := 0; i < 2000; i++ {
			if err := b.Put(key(i), []byte(strings.Repeat("v", i%50))); err != nil {
				return err
			}
		}
		if err := b.Put([]byte("big"), big); err != nil {
			return err
		}
		if err := b.Put([]byte("nil"), nil); err != nil {
			return err
		}
		_, err = b.CreateBucket([]byte("sub"))
		return err
	})
	check := func(db *bolt.DB) {
		if err := db.View(func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte("b"))
			for i := 0; i < 2000; i++ {
				if got, want := b.Get(key(i)), strings.Repeat("v", i%50); string(got) != want {
					t.Fatalf("key %d: got %q, want %q", i, got, want)
				}
			}
			if !bytes.Equal(b.Get([]byte("big")), big) {
				t.Fatal("big value differs")
			}
			if v := b.Get([]byte("nil")); v == nil || len(v) != 0 {
				t.Fatalf("empty value: got %#v, want empty non-nil", v)
			}
			if v := b.Get([]byte("absent")); v != nil {
				t.Fatalf("absent key: got %q", v)
			}
			if v := b.Get([]byte("sub")); v != nil {
				t.Fatalf("bucket key: Get gave %q, want nil", v)
			}
			if b.Bucket([]byte("sub")) == nil || b.Bucket(key(1)) != nil {
				t.Fatal("Bucket: wrong answer for a bucket or a value")
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	check(db)
	path := db.Path()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db2, err := bolt.Open(path, 0600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	check(db2)
}

// Each cbolt return code arrives as the bbolt error value programs
// compare with.
func TestErrorValues(t *testing.T) {
	db := open(t, nil)
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		if err := b.Put([]byte("v"), []byte("x")); err != nil {
			return err
		}
		if _, err := b.CreateBucket([]byte("sub")); err != nil {
			return err
		}
		cases := []struct {
			name string
			got  error
			want error
		}{
			{"create existing", second(tx.CreateBucket([]byte("b"))), bolt.ErrBucketExists},
			{"create empty name", second(tx.CreateBucket(nil)), bolt.ErrBucketNameRequired},
			{"create on a value", second(b.CreateBucket([]byte("v"))), bolt.ErrIncompatibleValue},
			{"delete absent bucket", tx.DeleteBucket([]byte("none")), bolt.ErrBucketNotFound},
			{"delete bucket of a value", b.DeleteBucket([]byte("v")), bolt.ErrIncompatibleValue},
			{"put on a bucket", b.Put([]byte("sub"), []byte("x")), bolt.ErrIncompatibleValue},
			{"delete a bucket as a key", b.Delete([]byte("sub")), bolt.ErrIncompatibleValue},
			{"empty key", b.Put(nil, []byte("x")), bolt.ErrKeyRequired},
			{"key too large", b.Put(make([]byte, bolt.MaxKeySize+1), nil), bolt.ErrKeyTooLarge},
		}
		for _, c := range cases {
			if c.got != c.want {
				t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
			}
		}
		if err := b.Put(make([]byte, bolt.MaxKeySize), nil); err != nil {
			t.Errorf("key of MaxKeySize: %v", err)
		}
		return nil
	})
	if err := db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("b"))
		for name, err := range map[string]error{
			"put":           b.Put([]byte("k"), nil),
			"delete":        b.Delete([]byte("k")),
			"create bucket": second(tx.CreateBucket([]byte("c"))),
			"delete bucket": tx.DeleteBucket([]byte("b")),
			"set sequence":  b.SetSequence(3),
			"next sequence": second(b.NextSequence()),
			"cursor delete": cursorDelete(b),
		} {
			if err != bolt.ErrTxNotWritable {
				t.Errorf("%s in a read-only tx: got %v", name, err)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin(false)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != bolt.ErrTxNotWritable {
		t.Errorf("commit of a reader: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Errorf("rollback: %v", err)
	}
	if err := tx.Rollback(); err != bolt.ErrTxClosed {
		t.Errorf("second rollback: %v", err)
	}

	// bbolt 1.5 programs compare with the errors package's values.
	if err := tx.Rollback(); err != berrors.ErrTxClosed {
		t.Errorf("rollback against errors.ErrTxClosed: %v", err)
	}

	var zero bolt.DB
	if _, err := zero.Begin(false); err != bolt.ErrDatabaseNotOpen {
		t.Errorf("Begin on a DB never opened: %v", err)
	}
	if err := zero.Close(); err != nil {
		t.Errorf("Close of a DB never opened: %v", err)
	}
}

func second(_ interface{}, err error) error { return err }

func cursorDelete(b *bolt.Bucket) error {
	c := b.Cursor()
	c.First()
	return c.Delete()
}

// Errors of opening: not a Bolt file, a missing file in read-only mode
// (an *os.PathError, as bbolt's), the lock held by another handle, and
// options cbolt does not offer.
func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk")
	if err := os.WriteFile(junk, bytes.Repeat([]byte("not a bolt file"), 1000), 0600); err != nil {
		t.Fatal(err)
	}
	if _, err := bolt.Open(junk, 0600, nil); err != bolt.ErrInvalid {
		t.Errorf("junk file: %v, want ErrInvalid", err)
	}
	_, err := bolt.Open(filepath.Join(dir, "missing"), 0600, &bolt.Options{ReadOnly: true})
	var pe *os.PathError
	if !errors.As(err, &pe) || !os.IsNotExist(err) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file read-only: %#v, want a not-exist *os.PathError", err)
	}

	db := open(t, nil)
	start := time.Now()
	if _, err := bolt.Open(db.Path(), 0600, &bolt.Options{Timeout: time.Nanosecond}); err != bolt.ErrTimeout {
		t.Errorf("locked file: %v, want ErrTimeout", err)
	}
	// the lock is never released here: an open that waited for it would
	// hang, and the bound leaves a loaded machine room
	if d := time.Since(start); d > 60*time.Second {
		t.Errorf("a 1 ns timeout waited %v", d)
	}

	if _, err := bolt.Open(filepath.Join(dir, "openfile"), 0600, &bolt.Options{OpenFile: os.OpenFile}); !errors.Is(err, bolt.ErrNotSupported) {
		t.Errorf("Options.OpenFile: %v, want ErrNotSupported", err)
	}
	// Mlock works, or fails as the system refuses (RLIMIT_MEMLOCK)
	mdb, err := bolt.Open(filepath.Join(dir, "mlock"), 0600, &bolt.Options{Mlock: true})
	if err == nil {
		mustUpdate(t, mdb, func(tx *bolt.Tx) error {
			_, err := tx.CreateBucket([]byte("b"))
			return err
		})
		if err := mdb.Close(); err != nil {
			t.Errorf("close the mlocked file: %v", err)
		}
	} else if !errors.Is(err, syscall.EPERM) && !errors.Is(err, syscall.ENOMEM) && !errors.Is(err, syscall.EAGAIN) {
		t.Errorf("Options.Mlock: %v", err)
	}
}

// A read-write Begin refuses to go on with settings other than the ones
// cbolt was opened with; readers are not concerned.
func TestSettingsChangedAfterOpen(t *testing.T) {
	db := open(t, nil)
	db.NoSync = true
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket([]byte("b"))
		return err
	})
	if err := db.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	db.NoSync = false
	// MaxSize set after Open applies to the next commit, as in bbolt 1.5
	db.MaxSize = 1 << 20
	big := make([]byte, 4000)
	err := db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("b"))
		for i := 0; i < 1000; i++ {
			if err := b.Put(key(i), big); err != nil {
				return err
			}
		}
		return nil
	})
	if !errors.Is(err, bolt.ErrMaxSizeReached) {
		t.Fatalf("commit past MaxSize set after Open: %v", err)
	}
	if fi, err := os.Stat(db.Path()); err != nil || fi.Size() > 1<<20 {
		t.Fatalf("file size after the refused commit: %v %v", fi, err)
	}
	db.MaxSize = 0
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("b")).Put(key(0), big)
	})
	db.AllocSize = -1
	if _, err := db.Begin(true); !errors.Is(err, bolt.ErrInvalid) {
		t.Fatalf("Begin with a negative AllocSize: %v", err)
	}
	db.AllocSize = bolt.DefaultAllocSize
	if err := db.View(func(*bolt.Tx) error { return nil }); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// MaxSize from Options: a commit that would grow the file past it fails
// with ErrMaxSizeReached and changes nothing; smaller commits go on.
func TestMaxSizeOption(t *testing.T) {
	db := open(t, &bolt.Options{MaxSize: 1 << 20})
	big := make([]byte, 4000)
	err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		for i := 0; i < 1000; i++ {
			if err := b.Put(key(i), big); err != nil {
				return err
			}
		}
		return nil
	})
	if !errors.Is(err, bolt.ErrMaxSizeReached) {
		t.Fatalf("commit past MaxSize: %v", err)
	}
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("v"))
	})
	if err := db.View(func(tx *bolt.Tx) error { return <-tx.Check() }); err != nil {
		t.Fatal(err)
	}
}

// MoveBucket (bbolt 1.5): between parents and to and from the top level,
// with its errors; the moved bucket's handle follows it.
func TestMoveBucket(t *testing.T) {
	db := open(t, nil)
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		a, err := tx.CreateBucket([]byte("a"))
		if err != nil {
			return err
		}
		c, err := a.CreateBucket([]byte("c"))
		if err != nil {
			return err
		}
		if err := c.Put([]byte("k"), []byte("v")); err != nil {
			return err
		}
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		if err := b.Put([]byte("c2"), []byte("value")); err != nil {
			return err
		}
		if err := a.MoveBucket([]byte("c"), b); err != nil {
			t.Fatalf("a/c to b: %v", err)
		}
		if a.Bucket([]byte("c")) != nil || b.Bucket([]byte("c")) == nil {
			t.Fatal("c not moved from a to b")
		}
		if err := c.Put([]byte("k2"), []byte("v2")); err != nil {
			t.Fatalf("put through the moved handle: %v", err)
		}
		for _, e := range []struct {
			name     string
			src, dst *bolt.Bucket
			key      string
			want     error
		}{
			{"missing", a, b, "nope", bolt.ErrBucketNotFound},
			{"a value in src", b, a, "c2", bolt.ErrIncompatibleValue},
			{"same buckets", b, b, "c", bolt.ErrSameBuckets},
		} {
			if err := e.src.MoveBucket([]byte(e.key), e.dst); !errors.Is(err, e.want) {
				t.Errorf("%s: %v, want %v", e.name, err, e.want)
			}
		}
		if err := a.Put([]byte("c"), []byte("in the way")); err != nil {
			return err
		}
		if err := b.MoveBucket([]byte("c"), a); !errors.Is(err, bolt.ErrIncompatibleValue) {
			t.Errorf("a value in dst: %v", err)
		}
		if _, err := a.CreateBucket([]byte("d")); err != nil {
			return err
		}
		if err := tx.MoveBucket([]byte("d"), a, nil); err != nil {
			t.Fatalf("a/d to the top: %v", err)
		}
		if tx.Bucket([]byte("d")) == nil {
			t.Fatal("d not at the top")
		}
		if err := tx.MoveBucket([]byte("d"), nil, b); err != nil {
			t.Fatalf("d to b: %v", err)
		}
		if _, err := tx.CreateBucket([]byte("d")); err != nil {
			return err
		}
		if err := tx.MoveBucket([]byte("d"), nil, b); !errors.Is(err, bolt.ErrBucketExists) {
			t.Errorf("existing name in dst: %v", err)
		}
		return nil
	})
	other := open(t, nil)
	otx, err := other.Begin(true)
	if err != nil {
		t.Fatal(err)
	}
	defer otx.Rollback()
	ob, err := otx.CreateBucket([]byte("o"))
	if err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte("b")).MoveBucket([]byte("c"), ob); !errors.Is(err, bolt.ErrDifferentDB) {
			t.Errorf("another database: %v", err)
		}
		return nil
	})
	if err := db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket([]byte("b")).Bucket([]byte("c"))
		if c == nil || string(c.Get([]byte("k"))) != "v" || string(c.Get([]byte("k2"))) != "v2" {
			t.Error("b/c after commit")
		}
		if tx.Bucket([]byte("b")).Bucket([]byte("d")) == nil {
			t.Error("b/d after commit")
		}
		return <-tx.Check()
	}); err != nil {
		t.Fatal(err)
	}
}

// MoveBucket's errors come in bbolt 1.5's order: an ended transaction,
// then a read-only one (either bucket's), then buckets of two
// transactions; Tx.MoveBucket moves in the buckets' own transaction
// (bbolt's movebucket_test.go TestBucket_MoveBucket_DiffTx).
func TestMoveBucketErrorOrder(t *testing.T) {
	db := open(t, nil)
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		for _, n := range []string{"s", "d"} {
			b, err := tx.CreateBucket([]byte(n))
			if err != nil {
				return err
			}
			if _, err := b.CreateBucket([]byte("m")); err != nil {
				return err
			}
		}
		return nil
	})
	rw, err := db.Begin(true)
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Rollback()
	ro, err := db.Begin(false)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Rollback()
	for _, e := range []struct {
		name     string
		src, dst *bolt.Bucket
	}{
		{"read-only source", ro.Bucket([]byte("s")), rw.Bucket([]byte("d"))},
		{"read-only target", rw.Bucket([]byte("s")), ro.Bucket([]byte("d"))},
	} {
		if err := e.src.MoveBucket([]byte("m"), e.dst); !errors.Is(err, bolt.ErrTxNotWritable) {
			t.Errorf("%s: %v, want %v", e.name, err, bolt.ErrTxNotWritable)
		}
	}
	// two writable buckets of two transactions (of two databases)
	other := open(t, nil)
	otx, err := other.Begin(true)
	if err != nil {
		t.Fatal(err)
	}
	ob, err := otx.CreateBucket([]byte("o"))
	if err != nil {
		t.Fatal(err)
	}
	if err := rw.Bucket([]byte("s")).MoveBucket([]byte("m"), ob); !errors.Is(err, bolt.ErrDifferentDB) {
		t.Errorf("two transactions: %v, want %v", err, bolt.ErrDifferentDB)
	}
	// Tx.MoveBucket of two buckets of another transaction: moved there
	if err := otx.MoveBucket([]byte("m"), rw.Bucket([]byte("s")), rw.Bucket([]byte("d"))); err == nil {
		t.Error("d/m exists: want an error")
	}
	if _, err := rw.Bucket([]byte("d")).CreateBucket([]byte("n")); err != nil {
		t.Fatal(err)
	}
	if err := otx.MoveBucket([]byte("n"), rw.Bucket([]byte("d")), rw.Bucket([]byte("s"))); err != nil {
		t.Errorf("Tx.MoveBucket of another transaction's buckets: %v", err)
	} else if rw.Bucket([]byte("s")).Bucket([]byte("n")) == nil {
		t.Error("s/n not there after the move")
	}
	// an ended transaction comes first, before read-only
	if err := otx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := ob.MoveBucket([]byte("m"), ro.Bucket([]byte("d"))); !errors.Is(err, bolt.ErrTxClosed) {
		t.Errorf("ended source: %v, want %v", err, bolt.ErrTxClosed)
	}
	if err := ro.Bucket([]byte("s")).MoveBucket([]byte("m"), ob); !errors.Is(err, bolt.ErrTxClosed) {
		t.Errorf("ended target: %v, want %v", err, bolt.ErrTxClosed)
	}
}

// Slices returned by a transaction stay valid, and unchanged, until it
// ends: across later writes in the same transaction, across commits of
// other transactions that rewrite the same keys and grow the file, and
// across garbage collections.
func TestSliceLifetime(t *testing.T) {
	db := open(t, nil)
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		for i := 0; i < 100; i++ {
			if err := b.Put(key(i), []byte("old")); err != nil {
				return err
			}
		}
		return nil
	})

	// A reader holds values from the map while a writer replaces them and
	// grows the file well past the map the reader took.
	rtx, err := db.Begin(false)
	if err != nil {
		t.Fatal(err)
	}
	rb := rtx.Bucket([]byte("b"))
	held := make([][]byte, 100)
	for i := range held {
		held[i] = rb.Get(key(i))
	}
	k0, v0 := rb.Cursor().First()
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("b"))
		for i := 0; i < 100; i++ {
			if err := b.Put(key(i), []byte("new")); err != nil {
				return err
			}
		}
		return b.Put([]byte("grow"), make([]byte, 40<<20))
	})
	runtime.GC()
	for i, v := range held {
		if string(v) != "old" {
			t.Fatalf("reader's value %d changed to %q", i, v)
		}
	}
	if string(k0) != string(key(0)) || string(v0) != "old" {
		t.Fatalf("reader's cursor item changed: %q %q", k0, v0)
	}
	if v := rb.Get([]byte("grow")); v != nil {
		t.Fatal("reader sees a later commit")
	}
	if err := rtx.Rollback(); err != nil {
		t.Fatal(err)
	}

	// In a write transaction, values read before later puts keep their
	// bytes; capacity equals length, so append copies.
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("b"))
		v := b.Get(key(5))
		if cap(v) != len(v) {
			t.Errorf("cap %d != len %d", cap(v), len(v))
		}
		for i := 0; i < 5000; i++ {
			if err := b.Put(key(i), []byte(fmt.Sprintf("w%d", i))); err != nil {
				return err
			}
		}
		runtime.GC()
		if string(v) != "new" {
			t.Errorf("value read before the puts changed to %q", v)
		}
		w := append(v, "-appended"...)
		if string(v) != "new" || string(w) != "new-appended" {
			t.Errorf("append wrote into the transaction's memory: %q %q", v, w)
		}
		return nil
	})

	// After the end, the objects of a transaction answer as closed.
	tx, err := db.Begin(true)
	if err != nil {
		t.Fatal(err)
	}
	b := tx.Bucket([]byte("b"))
	c := b.Cursor()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := b.Put([]byte("x"), nil); err != bolt.ErrTxClosed {
		t.Errorf("Put after commit: %v", err)
	}
	if v := b.Get(key(1)); v != nil {
		t.Errorf("Get after commit: %q", v)
	}
	if k, _ := c.First(); k != nil {
		t.Errorf("cursor after commit: %q", k)
	}
	if err := b.ForEach(func(k, v []byte) error { return nil }); err != bolt.ErrTxClosed {
		t.Errorf("ForEach after commit: %v", err)
	}
	if tx.DB() != nil {
		t.Error("DB() of an ended transaction is not nil")
	}
	if err := tx.Commit(); err != bolt.ErrTxClosed {
		t.Errorf("second commit: %v", err)
	}
}

// Buckets deleted in a transaction: handles to them and below them no
// longer reach cbolt; a bucket created again under the name is new and
// empty.
func TestDeletedBucketHandles(t *testing.T) {
	db := open(t, nil)
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		a, err := tx.CreateBucket([]byte("a"))
		if err != nil {
			return err
		}
		bb, err := a.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		if err := bb.Put([]byte("k"), []byte("v")); err != nil {
			return err
		}
		if tx.Bucket([]byte("a")) != a || a.Bucket([]byte("b")) != bb {
			t.Error("the same name gave another *Bucket")
		}
		c := bb.Cursor()
		if err := tx.DeleteBucket([]byte("a")); err != nil {
			return err
		}
		if err := bb.Put([]byte("k2"), nil); err != bolt.ErrBucketNotFound {
			t.Errorf("Put into a deleted bucket: %v", err)
		}
		if v := bb.Get([]byte("k")); v != nil {
			t.Errorf("Get from a deleted bucket: %q", v)
		}
		if k, _ := c.First(); k != nil {
			t.Errorf("cursor of a deleted bucket: %q", k)
		}
		if tx.Bucket([]byte("a")) != nil {
			t.Error("deleted bucket still found")
		}
		a2, err := tx.CreateBucket([]byte("a"))
		if err != nil {
			return err
		}
		if a2 == a || a2.Bucket([]byte("b")) != nil {
			t.Error("recreated bucket is not new and empty")
		}
		return nil
	})
}

// Cursor moves, seeks, ends and Delete; ForEach, ForEachBucket, Inspect.
func TestCursorAndIteration(t *testing.T) {
	db := open(t, nil)
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		for i := 0; i < 1000; i += 2 {
			if err := b.Put(key(i), key(i)); err != nil {
				return err
			}
		}
		for _, n := range []string{"s1", "s2"} {
			sb, err := b.CreateBucket([]byte(n))
			if err != nil {
				return err
			}
			if err := sb.Put([]byte("x"), []byte("y")); err != nil {
				return err
			}
		}
		return nil
	})
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("b"))
		c := b.Cursor()
		if c.Bucket() != b {
			t.Error("Cursor.Bucket is another bucket")
		}
		if k, v := c.Seek(key(11)); string(k) != string(key(12)) || string(v) != string(key(12)) {
			t.Errorf("seek between keys: %q %q", k, v)
		}
		if k, v := c.Seek([]byte("s1")); string(k) != "s1" || v != nil {
			t.Errorf("seek a bucket: %q %v (want a nil value)", k, v)
		}
		if k, _ := c.Last(); string(k) != "s2" {
			t.Errorf("last: %q", k)
		}
		if k, _ := c.Next(); k != nil {
			t.Errorf("next past the end: %q", k)
		}
		if k, _ := c.Prev(); string(k) != "s1" {
			t.Errorf("prev after running off the end: %q", k)
		}
		if k, _ := c.First(); string(k) != string(key(0)) {
			t.Errorf("first: %q", k)
		}
		if k, _ := c.Prev(); k != nil {
			t.Errorf("prev before the start: %q", k)
		}
		// Delete every other remaining key through the cursor.
		n := 0
		for k, _ := c.First(); k != nil && k[0] == 'k'; k, _ = c.Next() {
			if n%2 == 0 {
				if err := c.Delete(); err != nil {
					return err
				}
			}
			n++
		}
		c.Seek([]byte("s1"))
		if err := c.Delete(); err != bolt.ErrIncompatibleValue {
			t.Errorf("cursor delete of a bucket: %v", err)
		}
		return nil
	})
	if err := db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("b"))
		var keys, buckets int
		if err := b.ForEach(func(k, v []byte) error {
			if v == nil {
				buckets++
			} else {
				keys++
			}
			return nil
		}); err != nil {
			return err
		}
		if keys != 250 || buckets != 2 {
			t.Errorf("ForEach: %d keys, %d buckets; want 250, 2", keys, buckets)
		}
		stop := errors.New("stop")
		seen := 0
		if err := b.ForEach(func(k, v []byte) error {
			seen++
			if seen == 3 {
				return stop
			}
			return nil
		}); err != stop || seen != 3 {
			t.Errorf("ForEach did not stop at the error: %v after %d", err, seen)
		}
		var names []string
		if err := b.ForEachBucket(func(k []byte) error {
			names = append(names, string(k))
			return nil
		}); err != nil || strings.Join(names, ",") != "s1,s2" {
			t.Errorf("ForEachBucket: %v %v", names, err)
		}
		var top []string
		if err := tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if b == nil {
				t.Errorf("tx.ForEach: nil bucket for %q", name)
			}
			top = append(top, string(name))
			return nil
		}); err != nil || strings.Join(top, ",") != "b" {
			t.Errorf("tx.ForEach: %v %v", top, err)
		}
		s := tx.Inspect()
		if s.Name != "root" || len(s.Children) != 1 || s.Children[0].Name != "b" ||
			s.Children[0].KeyN != 250 || len(s.Children[0].Children) != 2 ||
			s.Children[0].Children[1].Name != "s2" || s.Children[0].Children[1].KeyN != 1 {
			t.Errorf("Inspect: %+v", s)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// Sequences persist; FillPercent changes how pages are split.
func TestSequenceAndFillPercent(t *testing.T) {
	db := open(t, nil)
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		for want := uint64(1); want <= 3; want++ {
			if got, err := b.NextSequence(); err != nil || got != want {
				t.Errorf("NextSequence: %d %v, want %d", got, err, want)
			}
		}
		if err := b.SetSequence(1 << 60); err != nil {
			return err
		}
		for _, name := range []string{"half", "full"} {
			x, err := tx.CreateBucket([]byte(name))
			if err != nil {
				return err
			}
			if name == "full" {
				x.FillPercent = 1.0
			}
			for i := 0; i < 20000; i++ {
				if err := x.Put(key(i), []byte("0123456789")); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err := db.View(func(tx *bolt.Tx) error {
		if s := tx.Bucket([]byte("b")).Sequence(); s != 1<<60 {
			t.Errorf("sequence after commit: %d", s)
		}
		half := tx.Bucket([]byte("half")).Stats()
		full := tx.Bucket([]byte("full")).Stats()
		if half.KeyN != 20000 || full.KeyN != 20000 {
			t.Errorf("KeyN: %d %d", half.KeyN, full.KeyN)
		}
		if full.LeafPageN*3 > half.LeafPageN*2 {
			t.Errorf("FillPercent 1.0 gave %d leaf pages, 0.5 gave %d", full.LeafPageN, half.LeafPageN)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// Update and View: an error or a panic rolls back and leaves the
// database usable; a managed transaction cannot be ended by fn; commit
// handlers run after a commit only.
func TestManagedTransactions(t *testing.T) {
	db := open(t, nil)
	boom := errors.New("boom")
	ran := 0
	if err := db.Update(func(tx *bolt.Tx) error {
		tx.OnCommit(func() { ran++ })
		if _, err := tx.CreateBucket([]byte("gone")); err != nil {
			return err
		}
		return boom
	}); err != boom {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	func() {
		defer func() { recover() }()
		_ = db.Update(func(tx *bolt.Tx) error {
			if _, err := tx.CreateBucket([]byte("gone")); err != nil {
				return err
			}
			panic("in fn")
		})
	}()
	var panicked interface{}
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("gone")) != nil {
			t.Error("a rolled-back bucket exists")
		}
		tx.OnCommit(func() { ran++ })
		func() {
			defer func() { panicked = recover() }()
			_ = tx.Commit()
		}()
		return nil
	})
	if panicked == nil {
		t.Error("Commit inside Update did not panic")
	}
	if ran != 1 {
		t.Errorf("commit handlers ran %d times, want 1", ran)
	}
	if err := db.View(func(tx *bolt.Tx) error { return boom }); err != boom {
		t.Errorf("View returned %v", err)
	}
}

// Close waits for open transactions; afterwards everything answers
// ErrDatabaseNotOpen.
func TestCloseWaitsForTransactions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	db, err := bolt.Open(path, 0600, nil)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin(false)
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a transaction was open", err)
	case <-time.After(100 * time.Millisecond):
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := db.Begin(true); err != bolt.ErrDatabaseNotOpen {
		t.Errorf("Begin after Close: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// Readers run beside a writer and each sees one snapshot: two keys
// written together always agree, whatever commits meanwhile. Readers also
// share one read transaction across goroutines, as etcd does.
func TestConcurrentReadersAndWriter(t *testing.T) {
	db := open(t, nil)
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		if err := b.Put([]byte("x"), []byte("0")); err != nil {
			return err
		}
		return b.Put([]byte("y"), []byte("0"))
	})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; i <= 200; i++ {
			v := []byte(fmt.Sprint(i))
			if err := db.Update(func(tx *bolt.Tx) error {
				b := tx.Bucket([]byte("b"))
				if err := b.Put([]byte("x"), v); err != nil {
					return err
				}
				if err := b.Put(key(i), make([]byte, 3000)); err != nil {
					return err
				}
				return b.Put([]byte("y"), v)
			}); err != nil {
				errs <- err
				return
			}
		}
		close(stop)
	}()
	for r := 0; r < 3; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := db.View(func(tx *bolt.Tx) error {
					b := tx.Bucket([]byte("b"))
					if x, y := b.Get([]byte("x")), b.Get([]byte("y")); string(x) != string(y) {
						return fmt.Errorf("torn snapshot: x=%s y=%s", x, y)
					}
					return nil
				}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	shared, err := db.Begin(false)
	if err != nil {
		t.Fatal(err)
	}
	want := string(shared.Bucket([]byte("b")).Get([]byte("x")))
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				b := shared.Bucket([]byte("b"))
				if v := b.Get([]byte("y")); string(v) != want {
					errs <- fmt.Errorf("shared reader: y=%s, want %s", v, want)
					return
				}
				c := b.Cursor()
				c.First()
				c.Next()
			}
		}()
	}
	wg.Wait()
	if err := shared.Rollback(); err != nil {
		t.Fatal(err)
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if s := db.Stats(); s.OpenTxN != 0 || s.TxN == 0 {
		t.Errorf("Stats: OpenTxN %d TxN %d", s.OpenTxN, s.TxN)
	}
}

// Batch: concurrent calls are combined; a failing call gets its own
// error and the others commit; a panic reaches the caller.
func TestBatch(t *testing.T) {
	db := open(t, nil)
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket([]byte("b"))
		return err
	})
	db.MaxBatchDelay = 50 * time.Millisecond
	bad := errors.New("bad")
	var wg sync.WaitGroup
	results := make([]error, 20)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = db.Batch(func(tx *bolt.Tx) error {
				if i == 7 {
					return bad
				}
				return tx.Bucket([]byte("b")).Put(key(i), []byte("v"))
			})
		}(i)
	}
	wg.Wait()
	for i, err := range results {
		if (i == 7) != (err == bad) || (i != 7 && err != nil) {
			t.Errorf("call %d: %v", i, err)
		}
	}
	if err := db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("b"))
		for i := range results {
			if (b.Get(key(i)) != nil) == (i == 7) {
				t.Errorf("key %d present: %v", i, b.Get(key(i)) != nil)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var got interface{}
	func() {
		defer func() { got = recover() }()
		_ = db.Batch(func(*bolt.Tx) error { panic("from batch") })
	}()
	if got != "from batch" {
		t.Errorf("Batch panic: recovered %v", got)
	}
}

// WriteTo and CopyFile give a database equal to the snapshot; a failing
// writer is reported as bbolt reports it and does not wedge cbolt.
func TestBackup(t *testing.T) {
	db := open(t, nil)
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		for i := 0; i < 3000; i++ {
			if err := b.Put(key(i), bytes.Repeat([]byte{byte(i)}, 100)); err != nil {
				return err
			}
		}
		return nil
	})
	dir := t.TempDir()
	var buf bytes.Buffer
	file, err := os.Create(filepath.Join(dir, "file.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.View(func(tx *bolt.Tx) error {
		n, err := tx.WriteTo(&buf)
		if err != nil || n != tx.Size() || int64(buf.Len()) != n {
			t.Errorf("WriteTo buffer: %d bytes, %v; size %d", n, err, tx.Size())
		}
		if n, err := tx.WriteTo(file); err != nil || n != tx.Size() {
			t.Errorf("WriteTo file: %d bytes, %v", n, err)
		}
		if err := tx.CopyFile(filepath.Join(dir, "copy.db"), 0600); err != nil {
			t.Errorf("CopyFile: %v", err)
		}
		if err := tx.Copy(&failAfter{n: 0}); err == nil || err.Error() != "meta 0 copy: injected" {
			t.Errorf("writer failing at once: %v", err)
		}
		if err := tx.Copy(&failAfter{n: 5000}); err == nil || err.Error() != "meta 1 copy: injected" {
			t.Errorf("writer failing in meta 1: %v", err)
		}
		if err := tx.Copy(&failAfter{n: 100000}); err == nil || err.Error() != "injected" {
			t.Errorf("writer failing in the data: %v", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	file.Close()
	if err := os.WriteFile(filepath.Join(dir, "buf.db"), buf.Bytes(), 0600); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"buf.db", "file.db", "copy.db"} {
		c, err := bolt.Open(filepath.Join(dir, name), 0600, &bolt.Options{ReadOnly: true})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := c.View(func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				t.Errorf("%s: check: %v", name, err)
			}
			b := tx.Bucket([]byte("b"))
			for i := 0; i < 3000; i += 97 {
				if !bytes.Equal(b.Get(key(i)), bytes.Repeat([]byte{byte(i)}, 100)) {
					t.Errorf("%s: key %d differs", name, i)
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
}

type failAfter struct{ n int }

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) <= f.n {
		f.n -= len(p)
		return len(p), nil
	}
	n := f.n
	f.n = 0
	return n, errors.New("injected")
}

// Compact copies every bucket, key and sequence.
func TestCompact(t *testing.T) {
	src := open(t, nil)
	mustUpdate(t, src, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		if err := b.SetSequence(42); err != nil {
			return err
		}
		n, err := b.CreateBucket([]byte("nested"))
		if err != nil {
			return err
		}
		for i := 0; i < 5000; i++ {
			if err := n.Put(key(i), key(i)); err != nil {
				return err
			}
		}
		return nil
	})
	dst := open(t, nil)
	if err := bolt.Compact(dst, src, 64<<10); err != nil {
		t.Fatal(err)
	}
	if err := dst.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("b"))
		if b.Sequence() != 42 {
			t.Errorf("sequence %d", b.Sequence())
		}
		n := b.Bucket([]byte("nested"))
		for i := 0; i < 5000; i++ {
			if string(n.Get(key(i))) != string(key(i)) {
				t.Fatalf("key %d missing", i)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// Statistics: the read transactions begun, the free pages left by deletes.
func TestStats(t *testing.T) {
	db := open(t, nil)
	before := db.Stats()
	for i := 0; i < 3; i++ {
		if err := db.View(func(*bolt.Tx) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	after := db.Stats()
	if d := after.Sub(&before); d.TxN != 3 {
		t.Errorf("TxN grew by %d, want 3", d.TxN)
	}
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		for i := 0; i < 10000; i++ {
			if err := b.Put(key(i), make([]byte, 100)); err != nil {
				return err
			}
		}
		return nil
	})
	mustUpdate(t, db, func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("b")) })
	mustUpdate(t, db, func(*bolt.Tx) error { return nil })
	s := db.Stats()
	if s.FreePageN+s.PendingPageN < 200 {
		t.Errorf("after deleting ~1 MB: FreePageN %d PendingPageN %d", s.FreePageN, s.PendingPageN)
	}
	// Transaction statistics are summed into the database's when a
	// transaction ends (cbolt's counters up to the commit, see TxStats).
	if err := db.View(func(tx *bolt.Tx) error {
		for i := 0; i < 5; i++ {
			tx.Cursor().First()
		}
		ts := tx.Stats()
		if n := ts.GetCursorCount(); n != 5 {
			t.Errorf("Tx.Stats CursorCount %d, want 5", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s2 := db.Stats()
	if d := s2.TxStats.Sub(&s.TxStats); d.CursorCount != 5 {
		t.Errorf("DB TxStats CursorCount grew by %d, want 5", d.CursorCount)
	}
}

// bbolt 1.5's Tx.Page and Check WithPageId.
func TestPageAndCheckFromPage(t *testing.T) {
	db := open(t, &bolt.Options{PageSize: 4096})
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		a, err := tx.CreateBucket([]byte("a"))
		if err != nil {
			return err
		}
		for i := 0; i < 500; i++ {
			if err := a.Put(key(i), make([]byte, 100)); err != nil {
				return err
			}
		}
		return nil
	})
	if err := db.View(func(tx *bolt.Tx) error {
		for id, want := range map[int]string{0: "meta", 1: "meta"} {
			p, err := tx.Page(id)
			if err != nil || p == nil || p.Type != want || p.ID != id {
				t.Errorf("page %d: %+v %v", id, p, err)
			}
		}
		if p, err := tx.Page(1 << 30); p != nil || err != nil {
			t.Errorf("page past the end: %+v %v", p, err)
		}
		root := tx.Bucket([]byte("a")).Root()
		if rp := tx.Bucket([]byte("a")).RootPage(); rp != root || rp == 0 {
			t.Errorf("RootPage %d, Root %d", rp, root)
		}
		p, err := tx.Page(int(root))
		if err != nil || p == nil || p.Type != "branch" {
			t.Errorf("root page of a: %+v %v", p, err)
		}
		for err := range tx.Check(bolt.WithPageId(uint64(root))) {
			t.Errorf("check from the root of a: %v", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// Tx.Page of a read-only handle opened without PreLoadFreelist fails with
// ErrFreePagesNotLoaded until a Check (bbolt 1.5's db_whitebox_test.go
// TestMethodPage); past the end it is still nil and no error.
func TestPageFreePagesNotLoaded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	db, err := bolt.Open(path, 0600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, e := range []struct {
		readOnly, preload bool
		want              error
	}{
		{false, false, nil},
		{true, true, nil},
		{true, false, bolt.ErrFreePagesNotLoaded},
	} {
		db, err := bolt.Open(path, 0600, &bolt.Options{ReadOnly: e.readOnly, PreLoadFreelist: e.preload})
		if err != nil {
			t.Fatal(err)
		}
		tx, err := db.Begin(false)
		if err != nil {
			t.Fatal(err)
		}
		if p, err := tx.Page(0); !errors.Is(err, e.want) || (err == nil) != (p != nil) {
			t.Errorf("read-only %v, preload %v: page 0 %+v, %v; want %v", e.readOnly, e.preload, p, err, e.want)
		}
		if p, err := tx.Page(1 << 20); p != nil || err != nil {
			t.Errorf("read-only %v, preload %v: past the end %+v, %v", e.readOnly, e.preload, p, err)
		}
		for err := range tx.Check() {
			t.Errorf("check: %v", err)
		}
		if p, err := tx.Page(0); err != nil || p == nil {
			t.Errorf("read-only %v, preload %v: page 0 after Check %+v, %v", e.readOnly, e.preload, p, err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// A damaged file: Check names the page and rule; calls with an error
// result return the corruption, calls without one panic with it (bbolt
// panics on damaged pages too). Nothing crashes.
func TestCorruption(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.db")
	db, err := bolt.Open(path, 0600, &bolt.Options{PageSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		for i := 0; i < 2000; i++ {
			if err := b.Put(key(i), make([]byte, 50)); err != nil {
				return err
			}
		}
		return nil
	})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Give every leaf page of bucket b (the leaves with more than one
	// element; the top level's leaf holds only "b") an invalid type.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	damaged := 0
	for off := 2 * 4096; off+4096 <= len(data); off += 4096 {
		flags := int(data[off+8]) | int(data[off+9])<<8
		count := int(data[off+10]) | int(data[off+11])<<8
		if flags == 0x02 && count > 1 {
			data[off+8] = 0x55
			damaged++
		}
	}
	if damaged == 0 {
		t.Fatal("no leaf page found to damage")
	}
	if err := os.WriteFile(path, data, 0600); err != nil {
		t.Fatal(err)
	}
	db, err = bolt.Open(path, 0600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.View(func(tx *bolt.Tx) error {
		n := 0
		for err := range tx.Check() {
			var ce *bolt.Error
			if !errors.As(err, &ce) || !bolt.IsCorrupt(err) || ce.Page < 2 || ce.Rule == "" {
				t.Errorf("check problem is not a corruption naming a page and rule: %#v", err)
			}
			n++
		}
		if n < damaged {
			t.Errorf("check found %d problems for %d damaged pages", n, damaged)
		}
		b := tx.Bucket([]byte("b"))
		if b == nil {
			t.Fatal("bucket b not found")
		}
		if err := b.ForEach(func(k, v []byte) error { return nil }); !bolt.IsCorrupt(err) {
			t.Errorf("ForEach over damaged pages: %v", err)
		}
		func() {
			defer func() {
				if err, _ := recover().(error); !bolt.IsCorrupt(err) {
					t.Errorf("Get from a damaged page: recovered %v", err)
				}
			}()
			b.Get(key(1000))
			t.Error("Get from a damaged page returned")
		}()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// Cursors dropped by the program are closed by a finalizer while the
// transaction is open; finalizers running after its end do nothing.
func TestManyCursors(t *testing.T) {
	db := open(t, nil)
	mustUpdate(t, db, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("v"))
	})
	tx, err := db.Begin(false)
	if err != nil {
		t.Fatal(err)
	}
	b := tx.Bucket([]byte("b"))
	for i := 0; i < 50000; i++ {
		if k, v := b.Cursor().First(); string(k) != "k" || string(v) != "v" {
			t.Fatalf("cursor %d: %q %q", i, k, v)
		}
		if i%10000 == 0 {
			runtime.GC()
		}
	}
	last := b.Cursor()
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.GC()
	if k, _ := last.First(); k != nil {
		t.Errorf("cursor after rollback: %q", k)
	}
}
