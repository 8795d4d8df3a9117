// work.go: the workloads of tests/bench/work.c on bbolt, one function per
// -kind, step for step. bbolt keeps a value's slice until commit, so each
// put gets a fresh copy of the value (the C engines copy it inside put).
package main

import (
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

var bucketName = []byte("bench")

// Big and small values of the fragmented file (work.c's FRAG_BIG and
// FRAG_SMALL).
const (
	fragBig   = 16320
	fragSmall = 4000
)

func keyAt(o *options, i uint64) uint64 {
	if o.order == "rnd" {
		return perm(i, o.n, seedWrite)
	}
	return i
}

func min64(a, b uint64) uint64 {
	if a < b {
		return a
	}
	return b
}

// value is a fresh copy of pattern with the key in front.
func value(pattern, k []byte) []byte {
	v := append([]byte(nil), pattern...)
	setValue(v, k)
	return v
}

func update(db *bolt.DB, fn func(b *bolt.Bucket) error) {
	err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketName)
		if err != nil {
			return err
		}
		return fn(b)
	})
	if err != nil {
		die("update", err)
	}
}

// putRange puts keys [from, to) of the order in one transaction.
func putRange(db *bolt.DB, o *options, pattern []byte, from, to uint64) {
	update(db, func(b *bolt.Bucket) error {
		for i := from; i < to; i++ {
			k := make([]byte, 8)
			putKey(k, keyAt(o, i))
			if err := b.Put(k, value(pattern, k)); err != nil {
				return err
			}
		}
		return nil
	})
}

func load(db *bolt.DB, o *options) {
	pattern := newValue(o.value)
	for i := uint64(0); i < o.n; i += o.batch {
		putRange(db, o, pattern, i, min64(i+o.batch, o.n))
	}
}

func scan(b *bolt.Bucket, nest bool, keys, sum *uint64) error {
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v != nil {
			*keys++
			*sum += uint64(len(k) + len(v))
			if len(v) > 0 {
				*sum += uint64(v[0])
			}
			continue
		}
		sub := b.Bucket(k)
		if !nest || sub == nil {
			return fmt.Errorf("unexpected bucket")
		}
		if err := scan(sub, false, keys, sum); err != nil {
			return err
		}
	}
	return nil
}

func get(b *bolt.Bucket, k []byte, sum *uint64) {
	v := b.Get(k)
	if v == nil {
		die("get", fmt.Errorf("key %x missing", k))
	}
	*sum += uint64(len(v))
	if len(v) > 0 {
		*sum += uint64(v[0])
	}
}

// readPass is one pass of a read workload in its own read transaction.
func readPass(db *bolt.DB, o *options, op string) {
	err := db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketName)
		var sum, keys uint64
		if op == "scan" {
			if err := scan(b, true, &keys, &sum); err != nil || keys != o.n {
				return fmt.Errorf("scan: %d keys, %v", keys, err)
			}
			return nil
		}
		k := make([]byte, 8)
		for i := uint64(0); i < o.n; i++ {
			if op == "get-rnd" {
				putKey(k, perm(i, o.n, seedRead))
			} else {
				putKey(k, i)
			}
			get(b, k, &sum)
		}
		return nil
	})
	if err != nil {
		die("read", err)
	}
}

func timedPass(db *bolt.DB, o *options, op string) time.Duration {
	t := time.Now()
	readPass(db, o, op)
	return time.Since(t)
}

// readWarm: first and second pass on a freshly opened file in the page
// cache, opened anew until the first passes took min-time (read_warm).
func readWarm(o *options, op string) {
	var warm, hot time.Duration
	passes := uint64(0)
	for {
		db := openDB(o.path, false)
		warm += timedPass(db, o, op)
		hot += timedPass(db, o, op)
		db.Close()
		passes++
		if warm.Seconds() >= o.minTime {
			break
		}
	}
	row(op+"-warm", passes*o.n, warm, false)
	row(op+"-hot", passes*o.n, hot, false)
}

func readCold(o *options, op string) {
	evict(o.path)
	db := openDB(o.path, false)
	row(op+"-cold", o.n, timedPass(db, o, op), false)
	db.Close()
}

func readPhases(o *options) {
	ops := []string{"get-seq", "get-rnd", "scan"}
	for _, op := range ops {
		if o.op == "all" || o.op == op {
			readWarm(o, op)
		}
	}
	if o.reads != "all" {
		return
	}
	for _, op := range ops {
		if o.op == "all" || o.op == op {
			readCold(o, op)
		}
	}
}

// runReads: the read phases alone, on a file a write run left.
func runReads(o *options) { readPhases(o) }

func runWrite(o *options) {
	db := openDB(o.path, o.sync != 0)
	t := time.Now()
	load(db, o)
	d := time.Since(t)
	db.Close()
	row("write", o.n, d, false)
	info("file_bytes", fileSize(o.path))
	if o.reads != "none" {
		readPhases(o)
	}
}

// onePutCommits: m transactions of one put each, keys base + a permutation.
func onePutCommits(db *bolt.DB, m, base uint64) time.Duration {
	pattern := newValue(100)
	t := time.Now()
	for i := uint64(0); i < m; i++ {
		update(db, func(b *bolt.Bucket) error {
			k := make([]byte, 8)
			putKey(k, base+perm(i, m, seedWrite))
			return b.Put(k, value(pattern, k))
		})
	}
	return time.Since(t)
}

func runDurable(o *options) {
	db := openDB(o.path, true)
	load(db, o)
	d := onePutCommits(db, o.m, o.n)
	db.Close()
	row("durable", o.m, d, false)
	info("file_bytes", fileSize(o.path))
	m := o.m / 5
	if m == 0 {
		m = 1
	}
	t := time.Now()
	for i := uint64(0); i < m; i++ {
		openDB(o.path, true).Close()
	}
	row("reopen", m, time.Since(t), false)
}

func runOnetx(o *options) {
	db := openDB(o.path, false)
	pattern := newValue(100)
	limit := time.Duration(o.cap * 1e9)
	t := time.Now()
	i := uint64(0)
	update(db, func(b *bolt.Bucket) error {
		for ; i < o.n; i++ {
			if i%1024 == 0 && time.Since(t) > limit {
				break
			}
			k := make([]byte, 8)
			putKey(k, perm(i, o.n, seedWrite))
			if err := b.Put(k, value(pattern, k)); err != nil {
				return err
			}
		}
		return nil
	})
	d := time.Since(t)
	db.Close()
	row("onetx", i, d, i < o.n)
	info("file_bytes", fileSize(o.path))
}

// fragBuild: big and small values alternate, then every big one is
// deleted (work.c's frag_build).
func fragBuild(o *options) {
	keys := 2 * (o.free/4 + o.free/64 + 1)
	t := time.Now()
	big := newValue(fragBig)
	db := openDB(o.path, false)
	for i := uint64(0); i < keys; i += o.batch {
		update(db, func(b *bolt.Bucket) error {
			for j := i; j < min64(i+o.batch, keys); j++ {
				k := make([]byte, 8)
				putKey(k, j)
				v := big
				if j%2 == 1 {
					v = big[:fragSmall]
				}
				if err := b.Put(k, v); err != nil {
					return err
				}
			}
			return nil
		})
	}
	for i := uint64(0); i < keys; i += 2 * o.batch {
		update(db, func(b *bolt.Bucket) error {
			k := make([]byte, 8)
			for j := i; j < min64(i+2*o.batch, keys); j += 2 {
				putKey(k, j)
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
	}
	db.Close()
	evict(o.path)
	info("build_ns", uint64(time.Since(t).Nanoseconds()))
}

// runFrag: n one-put commits on a fresh file, then m on the fragmented
// one (work.c's run_frag).
func runFrag(o *options) {
	if fileSize(o.path) == 0 {
		fragBuild(o)
	}
	fresh := o.path + ".fresh"
	os.Remove(fresh)
	db := openDB(fresh, false)
	row("commit-fresh", o.n, onePutCommits(db, o.n, 1<<40), false)
	db.Close()
	os.Remove(fresh)
	db = openDB(o.path, false)
	info("free_pages", uint64(db.Stats().FreePageN))
	d := onePutCommits(db, o.m, 1<<40)
	db.Close()
	row("commit-frag", o.m, d, false)
	info("file_bytes", fileSize(o.path))
}

func runDelbucket(o *options) {
	db := openDB(o.path, false)
	load(db, o)
	info("file_bytes", fileSize(o.path))
	t := time.Now()
	if err := db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketName) }); err != nil {
		die("delete bucket", err)
	}
	d := time.Since(t)
	db.Close()
	row("delete-bucket", o.n, d, false)
}

// nestedKey is key g of the nested workload: sub-bucket g / per, key g % per.
func nestedKey(g, per uint64) (name, k []byte) {
	name, k = make([]byte, 8), make([]byte, 8)
	putKey(name, g/per)
	putKey(k, g%per)
	return name, k
}

func nestedPuts(db *bolt.DB, o *options, pattern []byte, from, to uint64) {
	per := o.n / o.buckets
	update(db, func(top *bolt.Bucket) error {
		var sub *bolt.Bucket
		for g := from; g < to; g++ {
			name, k := nestedKey(g, per)
			if sub == nil || g%per == 0 {
				var err error
				if sub, err = top.CreateBucketIfNotExists(name); err != nil {
					return err
				}
			}
			if err := sub.Put(k, value(pattern, k)); err != nil {
				return err
			}
		}
		return nil
	})
}

func nestedGets(db *bolt.DB, o *options) time.Duration {
	per := o.n / o.buckets
	t := time.Now()
	err := db.View(func(tx *bolt.Tx) error {
		top := tx.Bucket(bucketName)
		var sum uint64
		for i := uint64(0); i < o.n; i++ {
			name, k := nestedKey(perm(i, o.n, seedRead), per)
			sub := top.Bucket(name)
			if sub == nil {
				return fmt.Errorf("bucket %x missing", name)
			}
			get(sub, k, &sum)
		}
		return nil
	})
	if err != nil {
		die("nested get", err)
	}
	return time.Since(t)
}

func runNested(o *options) {
	pattern := newValue(o.value)
	db := openDB(o.path, false)
	t := time.Now()
	for g := uint64(0); g < o.n; g += o.batch {
		nestedPuts(db, o, pattern, g, min64(g+o.batch, o.n))
	}
	d := time.Since(t)
	db.Close()
	row("nested-write", o.n, d, false)
	info("file_bytes", fileSize(o.path))
	db = openDB(o.path, false)
	row("nested-scan", o.n, timedPass(db, o, "scan"), false)
	db.Close()
	db = openDB(o.path, false)
	row("nested-get-rnd", o.n, nestedGets(db, o), false)
	db.Close()
}
