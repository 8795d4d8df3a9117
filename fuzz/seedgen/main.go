// seedgen writes small bbolt 1.3.6 databases (each at most 64 KiB) for the
// parse harness's seed corpus: small page sizes so that a few KiB hold
// branch pages, overflow pages, inline and nested buckets, sequences and a
// freelist with entries.
//
//	cd /work/main && GO111MODULE=off GOPATH=/usr/share/gocode \
//	    GOCACHE=$PWD/build/fuzz/gocache go run ./fuzz/seedgen corpus/parse
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

type seed struct {
	name   string
	ps     int
	nofree bool
	fill   func(db *bolt.DB) error
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// nested: bucket a (sequence 7) holding values and an inline bucket b;
// bucket c with enough keys for branch pages and one overflow value.
func nested(db *bolt.DB) error {
	return db.Update(func(tx *bolt.Tx) error {
		a, err := tx.CreateBucket([]byte("a"))
		must(err)
		must(a.SetSequence(7))
		must(a.Put([]byte("k"), []byte("v")))
		must(a.Put([]byte("empty"), []byte{}))
		b, err := a.CreateBucket([]byte("b"))
		must(err)
		must(b.Put([]byte("x"), []byte("y")))
		c, err := tx.CreateBucket([]byte("c"))
		must(err)
		for i := 0; i < 60; i++ {
			must(c.Put([]byte(fmt.Sprintf("key%03d", i)), bytes.Repeat([]byte{byte(i)}, i%20)))
		}
		must(c.Put([]byte("overflow"), bytes.Repeat([]byte("O"), 1500)))
		return nil
	})
}

// freed: nested, then deletes and a dropped bucket: a freelist with ids.
func freed(db *bolt.DB) error {
	must(nested(db))
	return db.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket([]byte("c"))
		for i := 0; i < 60; i += 2 {
			must(c.Delete([]byte(fmt.Sprintf("key%03d", i))))
		}
		must(c.Delete([]byte("overflow")))
		d, err := tx.CreateBucket([]byte("d"))
		must(err)
		for i := 0; i < 20; i++ {
			must(d.Put([]byte{byte(i)}, bytes.Repeat([]byte("d"), 40)))
		}
		return nil
	})
}

// deep: buckets nested five levels, each with a few keys.
func deep(db *bolt.DB) error {
	return db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("l0"))
		must(err)
		for lvl := 1; lvl <= 5; lvl++ {
			for i := 0; i < 3; i++ {
				must(b.Put([]byte{'v', byte(i)}, []byte{byte(lvl)}))
			}
			must(b.SetSequence(uint64(lvl) << 40))
			b, err = b.CreateBucket([]byte(fmt.Sprintf("l%d", lvl)))
			must(err)
		}
		return nil
	})
}

// bigkey: a key of 600 bytes (overflow at small page sizes).
func bigkey(db *bolt.DB) error {
	return db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket(bytes.Repeat([]byte("N"), 40))
		must(err)
		must(b.Put(bytes.Repeat([]byte("K"), 600), []byte("big key")))
		must(b.Put([]byte("small"), bytes.Repeat([]byte("V"), 700)))
		return nil
	})
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: seedgen DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	seeds := []seed{
		{"bbolt-ps512-nested.db", 512, false, nested},
		{"bbolt-ps512-freed.db", 512, false, freed},
		{"bbolt-ps1024-freed-nofreelistsync.db", 1024, true, freed},
		{"bbolt-ps1024-deep.db", 1024, false, deep},
		{"bbolt-ps4096-deep.db", 4096, false, deep},
		{"bbolt-ps512-bigkey.db", 512, false, bigkey},
		{"bbolt-ps256-nested.db", 256, false, nested},
	}
	for _, s := range seeds {
		path := filepath.Join(dir, s.name)
		os.Remove(path)
		db, err := bolt.Open(path, 0600, &bolt.Options{PageSize: s.ps, NoFreelistSync: s.nofree})
		must(err)
		must(s.fill(db))
		must(db.View(func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				return err
			}
			return nil
		}))
		must(db.Close())
		st, err := os.Stat(path)
		must(err)
		if st.Size() > 64<<10 {
			fmt.Fprintf(os.Stderr, "%s: %d bytes, over 64 KiB: removed\n", s.name, st.Size())
			os.Remove(path)
			continue
		}
		fmt.Printf("%s %d\n", s.name, st.Size())
	}
}
