package main

import (
	"fmt"
	"os"
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// A structural pre-walk of the page tree, run before handing a file to
// bbolt. bbolt trusts the file: a page cycle makes its cursor loop forever
// allocating memory, tx.Check() recurses without end (a fatal stack
// overflow), and a freelist page that lies is read in tx.Check()'s own
// goroutine, where a panic cannot be recovered. The walk rejects such files
// with an error instead. Every file written by bbolt passes it.

const (
	branchPageFlag   = 0x01
	leafPageFlag     = 0x02
	freelistPageFlag = 0x10
	bucketLeafFlag   = 0x01
	pageHeaderSize   = 16
	elementSize      = 16 // branch and leaf elements alike
	bucketHeaderSize = 16
	pgidNoFreelist   = ^uint64(0)
)

func le16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }
func le32(b []byte) uint32 { return uint32(le16(b)) | uint32(le16(b[2:]))<<16 }
func le64(b []byte) uint64 { return uint64(le32(b)) | uint64(le32(b[4:]))<<32 }

func fnv64a(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// rawMeta is a decoded meta page (little-endian on disk).
type rawMeta struct {
	Magic, Version, PageSize, Flags uint32
	Root, Sequence                  uint64
	Freelist, Pgid, Txid, Checksum  uint64
	Valid                           bool // magic, version and checksum are right
}

// parseMeta decodes the meta page whose first 80 bytes are b.
func parseMeta(b []byte) rawMeta {
	m := b[pageHeaderSize:]
	r := rawMeta{
		Magic: le32(m[0:]), Version: le32(m[4:]), PageSize: le32(m[8:]), Flags: le32(m[12:]),
		Root: le64(m[16:]), Sequence: le64(m[24:]), Freelist: le64(m[32:]),
		Pgid: le64(m[40:]), Txid: le64(m[48:]), Checksum: le64(m[56:]),
	}
	// Like bbolt, a zero checksum is accepted.
	r.Valid = r.Magic == 0xED0CDAED && r.Version == 2 &&
		(r.Checksum == 0 || r.Checksum == fnv64a(m[:56]))
	return r
}

// readMeta decodes the meta page at offset off of f.
func readMeta(f *os.File, off int64) (rawMeta, error) {
	var b [pageHeaderSize + 64]byte
	if _, err := f.ReadAt(b[:], off); err != nil {
		return rawMeta{}, err
	}
	return parseMeta(b[:]), nil
}

// pageHeader is a decoded page header plus the first 8 bytes after it (the
// real count of an overflowed freelist page).
type pageHeader struct {
	ID       uint64
	Flags    uint16
	Count    uint16
	Overflow uint32
	First    uint64
}

func parsePageHeader(b []byte) pageHeader {
	return pageHeader{ID: le64(b[0:]), Flags: le16(b[8:]), Count: le16(b[10:]),
		Overflow: le32(b[12:]), First: le64(b[16:])}
}

func readPageHeader(f *os.File, off int64) (pageHeader, error) {
	var b [24]byte
	if _, err := f.ReadAt(b[:], off); err != nil {
		return pageHeader{}, err
	}
	return parsePageHeader(b[:]), nil
}

// validator walks the page tree in a read-only mapping of the file.
type validator struct {
	data   []byte
	ps     uint64
	hwm    uint64 // meta.pgid: the high water mark
	onPath map[uint64]bool
}

// validateDB validates the tree of the meta page bbolt uses (and the freelist
// page when freelist is set).
func validateDB(db *bolt.DB, freelist bool) error {
	f, err := os.Open(db.Path())
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	if size < 2*pageHeaderSize+64 || int64(int(size)) != size {
		return fmt.Errorf("file size %d: not a database", size)
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return fmt.Errorf("mmap: %v", err)
	}
	defer syscall.Munmap(data)

	ps := uint64(db.Info().PageSize)
	var txid uint64
	if err := db.View(func(tx *bolt.Tx) error { txid = uint64(tx.ID()); return nil }); err != nil {
		return err
	}
	// bbolt uses the valid meta page with the highest txid (meta 0 on a tie).
	var m *rawMeta
	for i := uint64(0); i < 2; i++ {
		if (i+1)*ps > uint64(len(data)) {
			break
		}
		mi := parseMeta(data[i*ps:])
		if mi.Valid && mi.Txid == txid {
			m = &mi
			break
		}
	}
	if m == nil {
		return fmt.Errorf("corrupt: no valid meta page with txid %d", txid)
	}
	v := &validator{data: data, ps: ps, hwm: m.Pgid, onPath: map[uint64]bool{}}
	if err := v.tree(m.Root, "root bucket"); err != nil {
		return fmt.Errorf("corrupt: %v", err)
	}
	if freelist && m.Freelist != pgidNoFreelist {
		if err := v.freelist(m.Freelist); err != nil {
			return fmt.Errorf("corrupt: %v", err)
		}
	}
	return nil
}

// page returns page id with its overflow pages.
func (v *validator) page(id uint64) ([]byte, error) {
	if id < 2 || id >= v.hwm {
		return nil, fmt.Errorf("page %d: out of range (high water mark %d)", id, v.hwm)
	}
	off := id * v.ps
	if off+v.ps > uint64(len(v.data)) {
		return nil, fmt.Errorf("page %d: beyond the end of the file (%d bytes)", id, len(v.data))
	}
	h := parsePageHeader(v.data[off:])
	if h.ID != id {
		return nil, fmt.Errorf("page %d: header holds page id %d", id, h.ID)
	}
	end := id + uint64(h.Overflow) + 1
	if end > v.hwm || end*v.ps > uint64(len(v.data)) {
		return nil, fmt.Errorf("page %d: overflow %d goes beyond the high water mark %d or the end of the file", id, h.Overflow, v.hwm)
	}
	return v.data[off : end*v.ps], nil
}

// tree validates the B+tree rooted at page id.
func (v *validator) tree(id uint64, where string) error {
	if v.onPath[id] {
		return fmt.Errorf("page %d (%s): cycle in the page tree", id, where)
	}
	p, err := v.page(id)
	if err != nil {
		return fmt.Errorf("%v (%s)", err, where)
	}
	v.onPath[id] = true
	defer delete(v.onPath, id)
	flags, count := le16(p[8:]), uint64(le16(p[10:]))
	switch {
	case flags&leafPageFlag != 0:
		return v.leaf(p, fmt.Sprintf("leaf page %d", id))
	case flags&branchPageFlag != 0:
		if count == 0 {
			return fmt.Errorf("branch page %d: no elements", id)
		}
		if pageHeaderSize+count*elementSize > uint64(len(p)) {
			return fmt.Errorf("branch page %d: %d elements do not fit", id, count)
		}
		for i := uint64(0); i < count; i++ {
			e := pageHeaderSize + i*elementSize
			pos, ksize, child := uint64(le32(p[e:])), uint64(le32(p[e+4:])), le64(p[e+8:])
			if e+pos+ksize > uint64(len(p)) {
				return fmt.Errorf("branch page %d: element %d: key beyond the page", id, i)
			}
			if err := v.tree(child, fmt.Sprintf("child %d of branch page %d", i, id)); err != nil {
				return err
			}
		}
		return nil
	default:
		return fmt.Errorf("page %d (%s): invalid type: flags 0x%x", id, where, flags)
	}
}

// leaf validates a leaf page (or an inline bucket's page) and the buckets it
// holds.
func (v *validator) leaf(p []byte, where string) error {
	count := uint64(le16(p[10:]))
	if pageHeaderSize+count*elementSize > uint64(len(p)) {
		return fmt.Errorf("%s: %d elements do not fit", where, count)
	}
	for i := uint64(0); i < count; i++ {
		e := pageHeaderSize + i*elementSize
		flags := le32(p[e:])
		pos, ksize, vsize := uint64(le32(p[e+4:])), uint64(le32(p[e+8:])), uint64(le32(p[e+12:]))
		if e+pos+ksize+vsize > uint64(len(p)) {
			return fmt.Errorf("%s: element %d: key or value beyond the page", where, i)
		}
		if flags&bucketLeafFlag == 0 {
			continue
		}
		val := p[e+pos+ksize : e+pos+ksize+vsize]
		if len(val) < bucketHeaderSize {
			return fmt.Errorf("%s: element %d: bucket value of %d bytes", where, i, len(val))
		}
		root := le64(val)
		if root != 0 {
			if err := v.tree(root, fmt.Sprintf("bucket in element %d of %s", i, where)); err != nil {
				return err
			}
			continue
		}
		inline := val[bucketHeaderSize:]
		if len(inline) < pageHeaderSize {
			return fmt.Errorf("%s: element %d: inline bucket of %d bytes", where, i, len(val))
		}
		if le16(inline[8:])&leafPageFlag == 0 {
			return fmt.Errorf("%s: element %d: inline bucket page is not a leaf (flags 0x%x)", where, i, le16(inline[8:]))
		}
		if err := v.leaf(inline, fmt.Sprintf("inline bucket in element %d of %s", i, where)); err != nil {
			return err
		}
	}
	return nil
}

// freelist validates the freelist page that tx.Check() loads.
func (v *validator) freelist(id uint64) error {
	p, err := v.page(id)
	if err != nil {
		return fmt.Errorf("freelist %v", err)
	}
	h := parsePageHeader(p)
	if h.Flags&freelistPageFlag == 0 {
		return fmt.Errorf("freelist page %d: invalid page type (flags 0x%x)", id, h.Flags)
	}
	n := uint64(h.Count)
	if h.Count == 0xFFFF {
		if len(p) < pageHeaderSize+8 || h.First > v.hwm {
			return fmt.Errorf("freelist page %d: count %d larger than the high water mark %d", id, h.First, v.hwm)
		}
		n = h.First + 1
	}
	if pageHeaderSize+8*n > uint64(len(p)) {
		return fmt.Errorf("freelist page %d: %d ids do not fit in %d pages", id, n, h.Overflow+1)
	}
	return nil
}
