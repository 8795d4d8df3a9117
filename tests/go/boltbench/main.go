// Command boltbench is bbolt's bench command (cmd/bbolt bench), built
// against Debian's bbolt 1.3.6, with the same flags and the same two
// result lines as `cbolt bench`, so that `make bench` measures both on
// the same workload.
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"io/ioutil"
	"os"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

var benchBucket = []byte("bench")

type options struct {
	count, batch, keySize, valueSize, pageSize int
	writeMode, readMode, path                  string
	fill                                       float64
	noSync, work                               bool
}

// keySource mirrors cbolt's bench: sequential, or xorshift64.
func keySource(rnd bool, seed uint64) func() uint32 {
	s := seed
	return func() uint32 {
		if !rnd {
			s++
			return uint32(s)
		}
		s ^= s << 13
		s ^= s >> 7
		s ^= s << 17
		return uint32(s >> 16)
	}
}

func putKey(k []byte, v uint32) {
	for i := range k {
		k[i] = 0
	}
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], v)
	copy(k, b[:])
}

func writes(db *bolt.DB, o *options) error {
	rnd := strings.HasPrefix(o.writeMode, "rnd")
	nest := strings.HasSuffix(o.writeMode, "nest")
	next := keySource(rnd, uint64(time.Now().UnixNano())|1)
	for i := 0; i < o.count; i += o.batch {
		n := o.batch
		if o.count-i < n {
			n = o.count - i
		}
		err := db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(benchBucket)
			if err != nil {
				return err
			}
			b.FillPercent = o.fill
			if nest {
				name := make([]byte, o.keySize)
				putKey(name, next())
				if b, err = b.CreateBucketIfNotExists(name); err != nil {
					return err
				}
				b.FillPercent = o.fill
			}
			for j := 0; j < n; j++ {
				key := make([]byte, o.keySize)
				putKey(key, next())
				if err := b.Put(key, make([]byte, o.valueSize)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func scan(b *bolt.Bucket, n *int) {
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil {
			if sub := b.Bucket(k); sub != nil {
				scan(sub, n)
				continue
			}
		}
		*n++
	}
}

func reads(db *bolt.DB, o *options) (int, error) {
	ops := 0
	err := db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(benchBucket)
		start := time.Now()
		key := make([]byte, o.keySize)
		for {
			if o.readMode == "rnd" {
				next := keySource(true, 0x9e3779b97f4a7c15)
				for i := 0; i < o.count; i++ {
					putKey(key, next()%uint32(o.count)+1)
					_ = b.Get(key)
					ops++
				}
			} else {
				scan(b, &ops)
			}
			if time.Since(start) >= time.Second {
				return nil
			}
		}
	})
	return ops, err
}

func report(what string, ops int, d time.Duration) {
	per := time.Duration(0)
	if ops > 0 {
		per = d / time.Duration(ops)
	}
	fmt.Printf("# %s\t%d(ops)\t%v\t(%v/op)\t(%.0f op/sec)\n", what, ops, d, per,
		float64(ops)/d.Seconds())
}

func main() {
	var o options
	fs := flag.NewFlagSet("boltbench", flag.ExitOnError)
	fs.IntVar(&o.count, "count", 1000, "")
	fs.IntVar(&o.batch, "batch-size", 0, "")
	fs.IntVar(&o.keySize, "key-size", 8, "")
	fs.IntVar(&o.valueSize, "value-size", 32, "")
	fs.IntVar(&o.pageSize, "page-size", 4096, "")
	fs.StringVar(&o.writeMode, "write-mode", "seq", "")
	fs.StringVar(&o.readMode, "read-mode", "seq", "")
	fs.StringVar(&o.path, "path", "", "")
	fs.Float64Var(&o.fill, "fill-percent", bolt.DefaultFillPercent, "")
	fs.BoolVar(&o.noSync, "no-sync", false, "")
	fs.BoolVar(&o.work, "work", false, "")
	fs.String("profile-mode", "rw", "")
	fs.Parse(os.Args[1:])
	if o.batch <= 0 {
		o.batch = o.count
	}
	if o.path == "" {
		f, err := ioutil.TempFile("", "boltbench-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		o.path = f.Name()
		f.Close()
		os.Remove(o.path)
	}
	if !o.work {
		defer os.Remove(o.path)
	}
	db, err := bolt.Open(o.path, 0600, &bolt.Options{PageSize: o.pageSize, NoSync: o.noSync})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	start := time.Now()
	if err := writes(db, &o); err != nil {
		fmt.Fprintln(os.Stderr, "write:", err)
		os.Exit(1)
	}
	wd := time.Since(start)
	start = time.Now()
	ops, err := reads(db, &o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "read:", err)
		os.Exit(1)
	}
	rd := time.Since(start)
	db.Close()
	report("Write", o.count, wd)
	report("Read", ops, rd)
}
