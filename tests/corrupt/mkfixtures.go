// +build ignore

// mkfixtures writes a few small, valid bbolt databases that exercise the
// on-disk shapes the corruption tester targets (inline buckets, nested
// buckets, branch pages, overflow pages, a non-empty freelist, a
// non-default page size, no synced freelist). It is only a helper for
// testing tests/corrupt/corrupt.c when no other fixtures are at hand.
//
//   GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=/tmp/gocache-corrupt \
//       go run tests/corrupt/mkfixtures.go OUTDIR
package main

import (
	"fmt"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func create(dir, name string, opt *bolt.Options, fn func(tx *bolt.Tx) error) {
	path := filepath.Join(dir, name)
	os.Remove(path)
	db, err := bolt.Open(path, 0600, opt)
	must(err)
	if fn != nil {
		must(db.Update(fn))
	}
	must(db.Close())
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: mkfixtures OUTDIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	must(os.MkdirAll(dir, 0755))
	ps := &bolt.Options{PageSize: 4096}

	// Freshly created file: 4 pages, empty root leaf.
	create(dir, "empty.db", ps, nil)

	// One small bucket (stored inline) and one plain bucket.
	create(dir, "small.db", ps, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("inline"))
		if err != nil {
			return err
		}
		for i := 0; i < 5; i++ {
			b.Put([]byte(fmt.Sprintf("k%d", i)), []byte(fmt.Sprintf("v%d", i)))
		}
		b2, err := tx.CreateBucket([]byte("plain"))
		if err != nil {
			return err
		}
		for i := 0; i < 100; i++ {
			b2.Put([]byte(fmt.Sprintf("key-%04d", i)), []byte(fmt.Sprintf("value-%04d", i)))
		}
		return nil
	})

	// Many keys and nested buckets: multi-level branch pages, sub-bucket
	// roots on their own pages, inline buckets inside non-inline ones,
	// large values spanning overflow pages.
	create(dir, "nested.db", ps, func(tx *bolt.Tx) error {
		top, err := tx.CreateBucket([]byte("top"))
		if err != nil {
			return err
		}
		for i := 0; i < 20000; i++ {
			top.Put([]byte(fmt.Sprintf("key-%06d", i)), []byte(fmt.Sprintf("value-%06d-xxxxxxxxxxxxxxxx", i)))
		}
		for j := 0; j < 30; j++ {
			sub, err := top.CreateBucket([]byte(fmt.Sprintf("sub-%02d", j)))
			if err != nil {
				return err
			}
			n := 3
			if j%3 == 0 {
				n = 400
			}
			for i := 0; i < n; i++ {
				sub.Put([]byte(fmt.Sprintf("s%04d", i)), []byte("subvalue"))
			}
			if j%5 == 0 {
				in, err := sub.CreateBucket([]byte("inner"))
				if err != nil {
					return err
				}
				in.Put([]byte("a"), []byte("b"))
			}
		}
		big, err := tx.CreateBucket([]byte("big"))
		if err != nil {
			return err
		}
		for i := 0; i < 6; i++ {
			v := make([]byte, 5000+i*3000)
			for k := range v {
				v[k] = byte(i + k)
			}
			big.Put([]byte(fmt.Sprintf("blob-%d", i)), v)
		}
		return nil
	})

	// Non-empty freelist: write, then delete most of it in later txs.
	path := filepath.Join(dir, "freelist.db")
	os.Remove(path)
	db, err := bolt.Open(path, 0600, ps)
	must(err)
	must(db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("data"))
		if err != nil {
			return err
		}
		for i := 0; i < 5000; i++ {
			b.Put([]byte(fmt.Sprintf("key-%05d", i)), make([]byte, 100))
		}
		return nil
	}))
	must(db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("data"))
		for i := 0; i < 5000; i += 1 {
			if i%7 != 0 {
				b.Delete([]byte(fmt.Sprintf("key-%05d", i)))
			}
		}
		return nil
	}))
	must(db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket([]byte("later"))
		return err
	}))
	must(db.Close())

	// Non-default page size.
	create(dir, "page8k.db", &bolt.Options{PageSize: 8192}, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		for i := 0; i < 3000; i++ {
			b.Put([]byte(fmt.Sprintf("%08d", i)), []byte("some value bytes"))
		}
		return nil
	})

	// No synced freelist (meta freelist = all ones).
	create(dir, "nofreelist.db", &bolt.Options{PageSize: 4096, NoFreelistSync: true}, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		for i := 0; i < 500; i++ {
			b.Put([]byte(fmt.Sprintf("%06d", i)), []byte("v"))
		}
		return nil
	})
}
