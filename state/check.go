package state

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"
)

// bbolt page flags and sizes (internal/common/page.go).
const (
	branchPage     = 0x01
	leafPage       = 0x02
	bucketLeafFlag = 0x01
	elementSize    = 16
	inBucketSize   = 16
)

// pageWalker checks the B+tree of a bbolt file by reading the file, not the
// memory map: bbolt trusts page ids and offsets, so a damaged page can make
// it fault, recurse or loop forever (a page that points back at its parent)
// in ordinary reads and in tx.Check. The walker visits each page at most
// once and checks every offset against the page it is in. It reads only
// page headers, element arrays and bucket headers, not values, so it costs
// far less than reading the file.
type pageWalker struct {
	f        *os.File
	pageSize uint64
	hwm      uint64 // pages below this id exist
	seen     map[uint64]bool
}

// walkPages checks every page reachable from the root bucket of tx, reading
// the file at path.
func walkPages(tx *bolt.Tx, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	ps := uint64(tx.DB().Info().PageSize)
	if ps == 0 {
		return errors.New("page size is 0")
	}
	w := &pageWalker{f: f, pageSize: ps, hwm: uint64(tx.Size()) / ps, seen: map[uint64]bool{}}
	return w.page(uint64(tx.Cursor().Bucket().RootPage()), 0)
}

// region is a page's bytes: in memory (an inline bucket) or in the file.
type region struct {
	buf  []byte
	f    *os.File
	base int64
	size uint64
}

// read returns n bytes at off, which must lie inside the region.
func (r region) read(off, n uint64) ([]byte, error) {
	if off > r.size || n > r.size-off {
		return nil, errors.New("offset out of the page")
	}
	if r.buf != nil {
		return r.buf[off : off+n], nil
	}
	b := make([]byte, n)
	if _, err := r.f.ReadAt(b, r.base+int64(off)); err != nil {
		return nil, err
	}
	return b, nil
}

func (w *pageWalker) page(id uint64, depth int) error {
	if depth > 256 {
		return fmt.Errorf("page %d: the tree is more than 256 levels deep", id)
	}
	if id < 2 || id >= w.hwm {
		return fmt.Errorf("page %d: out of bounds (the file has %d pages)", id, w.hwm)
	}
	r := region{f: w.f, base: int64(id * w.pageSize), size: w.pageSize}
	hdr, err := r.read(0, pageHeaderSize)
	if err != nil {
		return fmt.Errorf("page %d: %w", id, err)
	}
	if got := binary.NativeEndian.Uint64(hdr[0:]); got != id {
		return fmt.Errorf("page %d: header says page %d", id, got)
	}
	overflow := uint64(binary.NativeEndian.Uint32(hdr[12:]))
	if overflow >= w.hwm-id {
		return fmt.Errorf("page %d: %d overflow pages run past the end", id, overflow)
	}
	for i := id; i <= id+overflow; i++ {
		if w.seen[i] {
			return fmt.Errorf("page %d: referenced twice", i)
		}
		w.seen[i] = true
	}
	r.size = (overflow + 1) * w.pageSize
	return w.node(r, hdr, id, depth)
}

// node checks a branch or leaf page whose header is hdr, including an
// inline bucket's page.
func (w *pageWalker) node(r region, hdr []byte, id uint64, depth int) error {
	ne := binary.NativeEndian
	flags, count := ne.Uint16(hdr[8:]), uint64(ne.Uint16(hdr[10:]))
	if flags != branchPage && flags != leafPage {
		return fmt.Errorf("page %d: not a branch or leaf page (flags %#x)", id, flags)
	}
	elems, err := r.read(pageHeaderSize, count*elementSize)
	if err != nil {
		return fmt.Errorf("page %d: %d elements do not fit", id, count)
	}
	for i := range count {
		off := pageHeaderSize + i*elementSize
		e := elems[i*elementSize : (i+1)*elementSize]
		if flags == branchPage {
			pos, ksize := uint64(ne.Uint32(e[0:])), uint64(ne.Uint32(e[4:]))
			if off+pos+ksize > r.size {
				return fmt.Errorf("page %d: element %d: key out of the page", id, i)
			}
			if err := w.page(ne.Uint64(e[8:]), depth+1); err != nil {
				return err
			}
			continue
		}
		eflags, pos := ne.Uint32(e[0:]), uint64(ne.Uint32(e[4:]))
		ksize, vsize := uint64(ne.Uint32(e[8:])), uint64(ne.Uint32(e[12:]))
		start := off + pos + ksize
		if start > r.size || vsize > r.size-start {
			return fmt.Errorf("page %d: element %d: key or value out of the page", id, i)
		}
		if eflags&bucketLeafFlag == 0 {
			continue
		}
		if vsize < inBucketSize {
			return fmt.Errorf("page %d: element %d: bucket header too short", id, i)
		}
		v, err := r.read(start, inBucketSize)
		if err != nil {
			return fmt.Errorf("page %d: element %d: %w", id, i, err)
		}
		if root := ne.Uint64(v); root != 0 {
			if err := w.page(root, depth+1); err != nil {
				return err
			}
			continue
		}
		// An inline bucket: its leaf page follows the bucket header.
		inline, err := r.read(start+inBucketSize, vsize-inBucketSize)
		if err != nil || len(inline) < pageHeaderSize || ne.Uint16(inline[8:]) != leafPage {
			return fmt.Errorf("page %d: element %d: damaged inline bucket", id, i)
		}
		if depth > 256 {
			return fmt.Errorf("page %d: buckets nested too deep", id)
		}
		ir := region{buf: inline, size: uint64(len(inline))}
		if err := w.node(ir, inline[:pageHeaderSize], id, depth+1); err != nil {
			return err
		}
	}
	return nil
}
