/*
 * bucket.c - buckets (see bucket.h; bbolt's bucket.go).
 */
#include <string.h>

#include "bucket.h"

int btx_usable(btx *tx, int write)
{
    if (!tx)
        return cb_error(CBOLT_ERR_TX_CLOSED, "transaction closed");
    if (tx->s.failed)
        return cb_error(CBOLT_ERR_TX_FAILED, "transaction failed part-way: "
                        "roll it back");
    if (write && !tx->s.writable)
        return cb_error(CBOLT_ERR_TX_NOT_WRITABLE, "transaction read-only");
    return CBOLT_OK;
}

int btx_result(btx *tx, int rc)
{
    if (tx->s.writable && cb_is_hard(rc))
        tx->s.failed = 1;
    return rc;
}

/*@ requires valid: \valid_read(tx);
    assigns \nothing;
    ensures pager: \result == (tx->s.writable != 0 ? &tx->pg : (pager *)\null); */
static pager *tx_pager(btx *tx)
{
    return tx->s.writable ? &tx->pg : NULL;
}

/* The fields of a fresh handle of tx besides its tree (ntree_init()'s),
 * one by one: they were a memset of the whole handle, whose bytes the
 * provers' Typed model does not read back as fields (proofs/README.md). */
/*@ requires valid: \valid(b);
    assigns b->tx, b->sequence, b->top, b->children, b->same_hash,
            b->parent, b->name, b->name_len, b->all_next;
    ensures handle: HandleFields(b, tx, seq, top); */
static void handle_init(cbolt_bucket *b, btx *tx, uint64_t seq, int top)
{
    b->tx = tx;
    b->sequence = seq;
    b->top = top;
    b->children.keys = NULL;
    b->children.vals = NULL;
    b->children.cap = 0;
    b->children.used = 0;
    b->children.live = 0;
    b->same_hash = NULL;
    b->parent = NULL;
    b->name = NULL;
    b->name_len = 0;
    b->all_next = NULL;
}

void bucket_init_root(cbolt_bucket *b, btx *tx)
{
    handle_init(b, tx, tx->s.meta.sequence, 1);
    ntree_init(&b->t, &tx->s, tx_pager(tx), &tx->nodes, tx->s.meta.root,
               NULL);
}

int bucket_from_value(cbolt_bucket *parent, uint64_t pgid, const uint8_t *v,
                      uint32_t vlen, cbolt_bucket *b)
{
    btx *tx = parent->tx;
    uint64_t root, seq;
    page_view inl;
    uint32_t bad;
    int inner, rule = page_bucket_value(v, vlen, &root, &seq, &inl, &inner,
                                        &bad);
    if (rule == RULE_BUCKET_VALUE)
        return cb_corrupt(pgid, rule, "bucket value of %u bytes", vlen);
    if (rule != RULE_OK)
        return cb_corrupt(pgid, rule,
                          "inline bucket page breaks %s (element %u)",
                          cb_rule_name(inner), bad);
    handle_init(b, tx, seq, 0);
    ntree_init(&b->t, &tx->s, tx_pager(tx), &tx->nodes, root,
               root == 0 ? &inl : NULL); /* fill: bbolt's default 0.5 */
    return CBOLT_OK;
}

/* The key of a sub-bucket's name in its parent's cache of handles: eight
 * bytes a step (a name may be 32 KiB, and FNV-1a's byte loop over it was
 * the cost of every lookup), each step and the end mixed so that the low
 * bits, which pick the slot, depend on every byte. Names whose keys
 * collide share a slot's chain, and key_cmp tells them apart; 0 and 1
 * are u64map's own marks. */
/*@ assigns \nothing;
    ensures mix: \result == Mix64(h); */
static uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

/* The last len - i < 8 bytes of a name as a little-endian number (the
 * memcpy into a zeroed uint64_t it was, on a little-endian host). */
/*@ requires n: n < 8;
    requires valid: \valid_read(p + (0 .. n - 1));
    assigns \nothing;
    ensures tail: \result == LdTail(p, n); */
static uint64_t name_tail(const uint8_t *p, size_t n)
{
    uint64_t w = 0;
    size_t k;
    /*@ loop invariant range: 0 <= k <= n;
        loop invariant value: w == LdTail(p + k, n - k);
        loop invariant bound: w < 72057594037927936 &&
          (n - k <= 6 ==> w < 281474976710656) &&
          (n - k <= 5 ==> w < 1099511627776) &&
          (n - k <= 4 ==> w < 4294967296) &&
          (n - k <= 3 ==> w < 16777216) &&
          (n - k <= 2 ==> w < 65536) && (n - k <= 1 ==> w < 256) &&
          (n - k <= 0 ==> w == 0);
        loop assigns k, w;
        loop variant k; */
    for (k = n; k > 0; k--)
        w = w * 256 + p[k - 1];
    return w;
}

/*@ requires valid: \valid_read(p + (0 .. len - 1));
    assigns \nothing;
    ensures hash: \result == NameHashOf(NameMix(p, len));
    ensures key: \result >= 2; */
static uint64_t name_hash(const uint8_t *p, size_t len)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ (uint64_t)len, w;
    size_t i = 0;
    //@ ghost size_t j = 0;
    /*@ loop invariant range: i == 8 * j && 0 <= i <= len;
        loop invariant words: h == NameWords(p, len, j);
        loop assigns i, j, h, w;
        loop variant len - i; */
    for (; len - i >= 8; i += 8) {
        w = ld64(p + i); /* the memcpy it was, on a little-endian host */
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
        //@ ghost j = j + 1;
    }
    //@ assert words: j == len / 8 && i == 8 * j && len - i == len % 8;
    w = name_tail(p + i, len - i);
    h = mix64(h ^ w);
    return h < 2 ? h + 2 : h;
}

/* The cached handle of sub-bucket name in b (write transactions). */
static cbolt_bucket *cached(cbolt_bucket *b, const void *name, size_t len)
{
    uint64_t v;
    cbolt_bucket *c;
    if (!u64map_get(&b->children, name_hash(name, len), &v))
        return NULL;
    for (c = (cbolt_bucket *)(uintptr_t)v; c; c = c->same_hash)
        if (key_cmp(c->name, c->name_len, name, len) == 0)
            return c;
    return NULL;
}

static int cache(cbolt_bucket *b, cbolt_bucket *child)
{
    uint64_t h = name_hash(child->name, child->name_len), v;
    child->same_hash = u64map_get(&b->children, h, &v)
                           ? (cbolt_bucket *)(uintptr_t)v : NULL;
    if (u64map_put(&b->children, h, (uintptr_t)child) != CBOLT_OK)
        return cb_error(CBOLT_ERR_NOMEM, "bucket: out of memory");
    child->parent = b;
    return CBOLT_OK;
}

static void uncache(cbolt_bucket *b, cbolt_bucket *child)
{
    uint64_t h = name_hash(child->name, child->name_len), v;
    cbolt_bucket **pp, *head;
    if (!u64map_get(&b->children, h, &v))
        return;
    head = (cbolt_bucket *)(uintptr_t)v;
    for (pp = &head; *pp; pp = &(*pp)->same_hash) {
        if (*pp == child) {
            *pp = child->same_hash;
            break;
        }
    }
    if (head)
        u64map_put(&b->children, h, (uintptr_t)head);
    else
        u64map_del(&b->children, h);
}

/* Positions c, a cursor over b (cursor_init), on key (bbolt's c.seek);
 * *found when it is there. */
static int search(cbolt_cursor *c, const void *key, size_t klen, int *found,
                  uint32_t *flags)
{
    int rc = cursor_search(c, key, klen);
    *flags = 0;
    *found = rc == CBOLT_OK && cursor_at(c, key, klen, flags);
    return rc;
}

/* The bucket value of `name` in parent, found with cursor c. */
static int find_child(cbolt_cursor *c, cbolt_bucket *parent,
                      const uint8_t *name, size_t len, cbolt_bucket *child)
{
    const uint8_t *k, *v;
    uint32_t kl, vl, flags;
    int rc = cursor_seek_raw(c, name, len);
    if (rc == CBOLT_NOTFOUND)
        return cb_error(CBOLT_ERR_BUCKET_NOT_FOUND, "bucket not found");
    if (rc != CBOLT_OK)
        return rc;
    cursor_item(c, &k, &kl, &v, &vl, &flags);
    if (key_cmp(k, kl, name, len) != 0 || !(flags & LEAF_FLAG_BUCKET))
        return cb_error(CBOLT_ERR_BUCKET_NOT_FOUND, "bucket not found");
    return bucket_from_value(parent, cursor_leaf_id(c), v, vl, child);
}

/* Opens the sub-bucket `name` of parent into child. */
static int open_child(cbolt_bucket *parent, const uint8_t *name, size_t len,
                      cbolt_bucket *child)
{
    cbolt_cursor c;
    int rc;
    if (!name || len == 0)
        return cb_error(CBOLT_ERR_BUCKET_NOT_FOUND, "empty bucket name");
    cursor_init(&c, &parent->t, parent->top);
    rc = find_child(&c, parent, name, len, child);
    cursor_done(&c);
    return rc;
}

/* The handle of sub-bucket name of b: cached in a write transaction. */
static int child_bucket(cbolt_bucket *b, const void *name, size_t len,
                        cbolt_bucket **out)
{
    cbolt_bucket child, *nb;
    btx *tx = b->tx;
    int rc;
    if (name && (nb = cached(b, name, len)) != NULL) {
        *out = nb;
        return CBOLT_OK;
    }
    if ((rc = open_child(b, name, len, &child)) != CBOLT_OK)
        return rc;
    if (!(nb = txmem_alloc(&tx->mem, sizeof *nb)))
        return cb_error(CBOLT_ERR_NOMEM, "bucket: out of memory");
    *nb = child;
    nb->name = txmem_copy(&tx->mem, name, len);
    nb->name_len = (uint32_t)len;
    nb->all_next = tx->wbuckets;
    tx->wbuckets = nb;
    if (!nb->name)
        return cb_error(CBOLT_ERR_NOMEM, "bucket: out of memory");
    if ((rc = cache(b, nb)) != CBOLT_OK)
        return rc;
    *out = nb;
    return CBOLT_OK;
}

int cbolt_bucket_bucket(cbolt_bucket *b, const void *name, size_t len,
                        cbolt_bucket **out)
{
    int rc;
    if (!b || !out)
        return cb_error(CBOLT_ERR_INVALID_ARG, "bucket: NULL argument");
    if ((rc = btx_usable(b->tx, 0)) != CBOLT_OK)
        return rc;
    return btx_result(b->tx, child_bucket(b, name, len, out));
}

/* bbolt's Get with cursor c. */
static int get(cbolt_cursor *c, const void *key, size_t klen,
               const void **val, size_t *vlen)
{
    const uint8_t *k, *v;
    uint32_t kl, vl, flags;
    int rc = cursor_seek_raw(c, key, klen);
    if (rc != CBOLT_OK)
        return rc;
    cursor_item(c, &k, &kl, &v, &vl, &flags);
    if ((flags & LEAF_FLAG_BUCKET) || key_cmp(k, kl, key, klen) != 0)
        return CBOLT_NOTFOUND;
    *val = v;
    *vlen = vl;
    return CBOLT_OK;
}

int cbolt_bucket_get(cbolt_bucket *b, const void *key, size_t klen,
                     const void **val, size_t *vlen)
{
    cbolt_cursor c;
    int rc;
    if (!b || !val || !vlen || (!key && klen))
        return cb_error(CBOLT_ERR_INVALID_ARG, "get: NULL argument");
    if ((rc = btx_usable(b->tx, 0)) != CBOLT_OK)
        return rc;
    cursor_init(&c, &b->t, b->top);
    rc = get(&c, key, klen, val, vlen);
    cursor_done(&c);
    return rc;
}

/*@ requires valid: \valid_read(b);
    assigns \nothing;
    ensures root: \result == b->t.root; */
uint64_t cbolt_bucket_root(const cbolt_bucket *b)
{
    return b->t.root;
}

/*@ requires valid: \valid_read(b);
    assigns \nothing;
    ensures sequence: \result == b->sequence; */
uint64_t cbolt_bucket_sequence(const cbolt_bucket *b)
{
    return b->sequence;
}

/* Calls fn for every item under cursor c until one fails. */
static int each(cbolt_cursor *c, cbolt_foreach_fn fn, void *arg)
{
    const void *k, *v;
    size_t kl, vl;
    int is_bucket, rc = cbolt_cursor_first(c, &k, &kl, &v, &vl, &is_bucket);
    while (rc == CBOLT_OK) {
        if ((rc = fn(arg, k, kl, v, vl, is_bucket)) != CBOLT_OK)
            return rc;
        rc = cbolt_cursor_next(c, &k, &kl, &v, &vl, &is_bucket);
    }
    return rc == CBOLT_NOTFOUND ? CBOLT_OK : rc;
}

int cbolt_bucket_foreach(cbolt_bucket *b, cbolt_foreach_fn fn, void *arg)
{
    cbolt_cursor c;
    int rc;
    if (!b || !fn)
        return cb_error(CBOLT_ERR_INVALID_ARG, "foreach: NULL argument");
    cursor_init(&c, &b->t, b->top);
    rc = each(&c, fn, arg);
    cursor_done(&c);
    return rc;
}

int bucket_cursor(cbolt_bucket *b, cbolt_cursor **out)
{
    cbolt_cursor *c;
    if (!out)
        return cb_error(CBOLT_ERR_INVALID_ARG, "cursor: NULL argument");
    if (!(c = txmem_alloc(&b->tx->mem, sizeof *c)))
        return cb_error(CBOLT_ERR_NOMEM, "cursor: out of memory");
    cursor_init(c, &b->t, b->top);
    c->mem = &b->tx->mem;
    b->tx->stats.cursor_count++;
    *out = c;
    return CBOLT_OK;
}

int cbolt_bucket_cursor(cbolt_bucket *b, cbolt_cursor **out)
{
    int rc;
    if (!b)
        return cb_error(CBOLT_ERR_INVALID_ARG, "cursor: NULL bucket");
    if ((rc = btx_usable(b->tx, 0)) != CBOLT_OK)
        return rc;
    return bucket_cursor(b, out);
}

/* ---- writing ---------------------------------------------------------- */

/* The bytes of the empty inline bucket value bbolt's CreateBucket
 * writes: root 0, sequence 0, then an empty leaf page of id 0. It is one
 * that bucket_from_value() accepts (rules bucket-value and inline-page). */
/*@ requires valid: \valid(v + (0 .. BucketHdrSize + PageHdrSize - 1));
    assigns v[0 .. BucketHdrSize + PageHdrSize - 1];
    ensures root: LD64(v) == 0;
    ensures sequence: LD64(v + 8) == 0;
    ensures accepted: ValueInlineOk(v, BucketHdrSize + PageHdrSize); */
static void empty_value_bytes(uint8_t *v)
{
    size_t i;
    /*@ loop invariant range: 0 <= i <= BucketHdrSize + PageHdrSize;
        loop invariant zero: \forall integer j; 0 <= j < i ==> v[j] == 0;
        loop assigns i, v[0 .. BucketHdrSize + PageHdrSize - 1];
        loop variant BucketHdrSize + PageHdrSize - i; */
    for (i = 0; i < BUCKET_HDR_SIZE + PAGE_HDR_SIZE; i++)
        v[i] = 0;
    /* the page's id and overflow are 0 already: its flags */
    st16(v + BUCKET_HDR_SIZE + PAGE_OFF_FLAGS, PAGE_LEAF);
    //@ assert flag_bytes: v[24] == PageLeaf && v[25] == 0;
    /*@ assert head: v[0] == 0 && v[1] == 0 && v[2] == 0 && v[3] == 0 &&
          v[4] == 0 && v[5] == 0 && v[6] == 0 && v[7] == 0 &&
          v[8] == 0 && v[9] == 0 && v[10] == 0 && v[11] == 0 &&
          v[12] == 0 && v[13] == 0 && v[14] == 0 && v[15] == 0; */
    /*@ assert page: v[16] == 0 && v[17] == 0 && v[18] == 0 && v[19] == 0 &&
          v[20] == 0 && v[21] == 0 && v[22] == 0 && v[23] == 0 &&
          v[26] == 0 && v[27] == 0; */
    //@ assert root_lo: LD32(v) == 0 && LD32(v + 4) == 0;
    //@ assert seq_lo: LD32(v + 8) == 0 && LD32(v + 12) == 0;
    //@ assert id_lo: LD32(v + 16) == 0 && LD32(v + 20) == 0;
    //@ assert count: PageCount(v + BucketHdrSize) == 0;
    //@ assert flags: PageFlags(v + BucketHdrSize) == PageLeaf;
    //@ assert leaf: PageType(v + BucketHdrSize) == PageLeaf;
    //@ assert leaf_flag: IsLeaf(v + BucketHdrSize);
    /*@ assert header: PageHeaderOk(v + BucketHdrSize, PageHdrSize,
                                    PV_LEAF | PV_NO_BUCKETS); */
    /*@ assert well_formed: PageWellFormed(v + BucketHdrSize, PageHdrSize,
                                           PV_LEAF | PV_NO_BUCKETS); */
}

/* The empty inline bucket value bbolt's CreateBucket writes, copied into
 * the transaction's memory. */
static const uint8_t *empty_bucket_value(btx *tx)
{
    uint8_t v[BUCKET_HDR_SIZE + PAGE_HDR_SIZE];
    empty_value_bytes(v);
    return txmem_copy(&tx->mem, v, sizeof v);
}

static int create_bucket_at(cbolt_bucket *b, cbolt_cursor *c,
                            const void *name, size_t len)
{
    const uint8_t *k, *v;
    node *n;
    uint32_t flags;
    int found, rc;

    if ((rc = search(c, name, len, &found, &flags)) != CBOLT_OK)
        return rc;
    if (found)
        return (flags & LEAF_FLAG_BUCKET)
                   ? cb_error(CBOLT_ERR_BUCKET_EXISTS, "bucket exists")
                   : cb_error(CBOLT_ERR_INCOMPATIBLE_VALUE,
                              "key holds a value");
    k = txmem_copy(&b->tx->mem, name, len);
    v = empty_bucket_value(b->tx);
    if (!k || !v)
        return cb_error(CBOLT_ERR_NOMEM, "create bucket: out of memory");
    if ((rc = cursor_node(c, &n)) != CBOLT_OK ||
        (rc = node_put(n, k, (uint32_t)len, k, (uint32_t)len, v,
                       BUCKET_HDR_SIZE + PAGE_HDR_SIZE, 0,
                       LEAF_FLAG_BUCKET)) != CBOLT_OK)
        return rc;
    b->t.has_inline = 0; /* the root node, not the old inline page */
    return node_settle(n);
}

static int create_bucket(cbolt_bucket *b, const void *name, size_t len)
{
    cbolt_cursor c;
    int rc;
    cursor_init(&c, &b->t, b->top);
    rc = create_bucket_at(b, &c, name, len);
    cursor_done(&c);
    return rc;
}

int cbolt_bucket_create_bucket(cbolt_bucket *b, const void *name, size_t len,
                               cbolt_bucket **out)
{
    int rc;
    if (!b)
        return cb_error(CBOLT_ERR_INVALID_ARG, "create bucket: NULL bucket");
    if ((rc = btx_usable(b->tx, 1)) != CBOLT_OK)
        return rc;
    if (!name || len == 0)
        return cb_error(CBOLT_ERR_BUCKET_NAME_REQUIRED, "bucket name required");
    if (len > UINT32_MAX - BUCKET_HDR_SIZE)
        return cb_error(CBOLT_ERR_KEY_TOO_LARGE, "bucket name too large");
    rc = create_bucket(b, name, len);
    if (rc == CBOLT_OK && out)
        rc = child_bucket(b, name, len, out);
    return btx_result(b->tx, rc);
}

int cbolt_bucket_create_bucket_if_not_exists(cbolt_bucket *b,
                                             const void *name, size_t len,
                                             cbolt_bucket **out)
{
    cbolt_bucket *tmp;
    int rc = cbolt_bucket_create_bucket(b, name, len, out);
    if (rc == CBOLT_ERR_BUCKET_EXISTS)
        return cbolt_bucket_bucket(b, name, len, out ? out : &tmp);
    return rc;
}

/* collect_children() with the cursor c over b. */
static int collect_at(cbolt_cursor *c, cbolt_bucket *b, cbolt_bucket ***list,
                      size_t *n, size_t *cap, u64map *seen)
{
    int rc;
    for (rc = cursor_first_raw(c); rc == CBOLT_OK; rc = cursor_next_raw(c)) {
        const uint8_t *k, *v;
        uint32_t kl, vl, flags;
        cbolt_bucket *child;
        cursor_item(c, &k, &kl, &v, &vl, &flags);
        if (!(flags & LEAF_FLAG_BUCKET))
            continue;
        if ((rc = child_bucket(b, k, kl, &child)) != CBOLT_OK)
            return rc;
        if (child->t.root != 0 && u64map_get(seen, child->t.root, NULL))
            return cb_corrupt(child->t.root, RULE_PAGE_DOUBLE,
                              "bucket root reached twice");
        if (child->t.root != 0 &&
            u64map_put(seen, child->t.root, 1) != CBOLT_OK)
            return cb_error(CBOLT_ERR_NOMEM, "out of memory");
        if (*n == *cap) {
            size_t nc = *cap ? 2 * *cap : 16;
            cbolt_bucket **p = cb_realloc(*list, nc * sizeof *p);
            if (!p)
                return cb_error(CBOLT_ERR_NOMEM, "out of memory");
            *list = p;
            *cap = nc;
        }
        (*list)[(*n)++] = child;
    }
    return rc == CBOLT_NOTFOUND ? CBOLT_OK : rc;
}

/* The handles of b's sub-buckets are appended to the list (opening them
 * in the transaction's cache); a root page already in seen is a
 * page-double. */
static int collect_children(cbolt_bucket *b, cbolt_bucket ***list, size_t *n,
                            size_t *cap, u64map *seen)
{
    cbolt_cursor c;
    int rc;
    cursor_init(&c, &b->t, b->top);
    rc = collect_at(&c, b, list, n, cap, seen);
    cursor_done(&c);
    return rc;
}

/* Frees the pages of child and of every bucket below it. The buckets are
 * collected first, breadth first on a heap list; then each tree is
 * freed. */
static int free_subtree(cbolt_bucket *child)
{
    cbolt_bucket **list = NULL;
    size_t n = 0, cap = 0, i;
    u64map seen = {0};
    int rc = CBOLT_OK;
    list = cb_malloc(16 * sizeof *list);
    if (!list)
        return cb_error(CBOLT_ERR_NOMEM, "out of memory");
    cap = 16;
    list[n++] = child;
    if (child->t.root != 0 && u64map_put(&seen, child->t.root, 1) != CBOLT_OK)
        rc = cb_error(CBOLT_ERR_NOMEM, "out of memory");
    for (i = 0; i < n && rc == CBOLT_OK; i++)
        rc = collect_children(list[i], &list, &n, &cap, &seen);
    for (i = 0; i < n && rc == CBOLT_OK; i++)
        rc = ntree_free_pages(&list[i]->t);
    u64map_free(&seen);
    cb_free(list);
    return rc;
}

static int delete_bucket_at(cbolt_bucket *b, cbolt_cursor *c,
                            const void *name, size_t len)
{
    cbolt_bucket *child;
    uint32_t flags;
    node *nd;
    int found, rc;

    if ((rc = search(c, name, len, &found, &flags)) != CBOLT_OK)
        return rc;
    /* bbolt compares the empty name with "no key" (an empty leaf under
     * the cursor) and finds them equal: incompatible value, as bbolt. */
    if (!found && len == 0 && !cursor_on_item(c))
        return cb_error(CBOLT_ERR_INCOMPATIBLE_VALUE, "empty bucket name");
    if (!found)
        return cb_error(CBOLT_ERR_BUCKET_NOT_FOUND, "bucket not found");
    if (!(flags & LEAF_FLAG_BUCKET))
        return cb_error(CBOLT_ERR_INCOMPATIBLE_VALUE, "key holds a value");
    if ((rc = child_bucket(b, name, len, &child)) != CBOLT_OK ||
        (rc = free_subtree(child)) != CBOLT_OK)
        return rc;
    uncache(b, child);
    if ((rc = search(c, name, len, &found, &flags)) != CBOLT_OK ||
        (rc = cursor_node(c, &nd)) != CBOLT_OK)
        return rc;
    node_del(nd, name, (uint32_t)len);
    return CBOLT_OK;
}

static int delete_bucket(cbolt_bucket *b, const void *name, size_t len)
{
    cbolt_cursor c;
    int rc;
    cursor_init(&c, &b->t, b->top);
    rc = delete_bucket_at(b, &c, name, len);
    cursor_done(&c);
    return rc;
}

int cbolt_bucket_delete_bucket(cbolt_bucket *b, const void *name, size_t len)
{
    int rc;
    if (!b)
        return cb_error(CBOLT_ERR_INVALID_ARG, "delete bucket: NULL bucket");
    if ((rc = btx_usable(b->tx, 1)) != CBOLT_OK)
        return rc;
    if (!name && len)
        return cb_error(CBOLT_ERR_INVALID_ARG, "delete bucket: NULL name");
    return btx_result(b->tx, delete_bucket(b, name, len));
}

static int put_at(cbolt_bucket *b, cbolt_cursor *c, const void *key,
                  size_t klen, const void *val, size_t vlen)
{
    const uint8_t *k, *v;
    uint32_t flags;
    node *n;
    int found, rc;
    if ((rc = search(c, key, klen, &found, &flags)) != CBOLT_OK)
        return rc;
    if (found && (flags & LEAF_FLAG_BUCKET))
        return cb_error(CBOLT_ERR_INCOMPATIBLE_VALUE, "key names a bucket");
    k = txmem_copy(&b->tx->mem, key, klen);
    v = txmem_copy(&b->tx->mem, val, vlen);
    if (!k || !v)
        return cb_error(CBOLT_ERR_NOMEM, "put: out of memory");
    if ((rc = cursor_node(c, &n)) != CBOLT_OK ||
        (rc = node_put(n, k, (uint32_t)klen, k, (uint32_t)klen, v,
                       (uint32_t)vlen, 0, 0)) != CBOLT_OK)
        return rc;
    return node_settle(n);
}

static int put(cbolt_bucket *b, const void *key, size_t klen, const void *val,
               size_t vlen)
{
    cbolt_cursor c;
    int rc;
    cursor_init(&c, &b->t, b->top);
    rc = put_at(b, &c, key, klen, val, vlen);
    cursor_done(&c);
    return rc;
}

int cbolt_bucket_put(cbolt_bucket *b, const void *key, size_t klen,
                     const void *val, size_t vlen)
{
    int rc;
    if (!b)
        return cb_error(CBOLT_ERR_INVALID_ARG, "put: NULL bucket");
    if ((rc = btx_usable(b->tx, 1)) != CBOLT_OK)
        return rc;
    if (!key || klen == 0)
        return cb_error(CBOLT_ERR_KEY_REQUIRED, "key required");
    if (klen > CBOLT_MAX_KEY_SIZE)
        return cb_error(CBOLT_ERR_KEY_TOO_LARGE, "key too large");
    if (vlen > CBOLT_MAX_VALUE_SIZE)
        return cb_error(CBOLT_ERR_VALUE_TOO_LARGE, "value too large");
    if (!val && vlen)
        return cb_error(CBOLT_ERR_INVALID_ARG, "put: NULL value");
    if (b->top) /* the format allows only buckets at the top level */
        return cb_error(CBOLT_ERR_INCOMPATIBLE_VALUE, "put: a value at the "
                        "top level");
    return btx_result(b->tx, put(b, key, klen, val, vlen));
}

static int delete_key_at(cbolt_cursor *c, const void *key, size_t klen)
{
    uint32_t flags;
    node *n;
    int found, rc;
    if ((rc = search(c, key, klen, &found, &flags)) != CBOLT_OK)
        return rc;
    if (!found)
        return CBOLT_OK;
    if (flags & LEAF_FLAG_BUCKET)
        return cb_error(CBOLT_ERR_INCOMPATIBLE_VALUE, "key names a bucket");
    if ((rc = cursor_node(c, &n)) != CBOLT_OK)
        return rc;
    node_del(n, key, (uint32_t)klen);
    return CBOLT_OK;
}

static int delete_key(cbolt_bucket *b, const void *key, size_t klen)
{
    cbolt_cursor c;
    int rc;
    cursor_init(&c, &b->t, b->top);
    rc = delete_key_at(&c, key, klen);
    cursor_done(&c);
    return rc;
}

int cbolt_bucket_delete(cbolt_bucket *b, const void *key, size_t klen)
{
    int rc;
    if (!b)
        return cb_error(CBOLT_ERR_INVALID_ARG, "delete: NULL bucket");
    if ((rc = btx_usable(b->tx, 1)) != CBOLT_OK)
        return rc;
    if (!key && klen)
        return cb_error(CBOLT_ERR_INVALID_ARG, "delete: NULL key");
    return btx_result(b->tx, delete_key(b, key, klen));
}

int cbolt_bucket_next_sequence(cbolt_bucket *b, uint64_t *out)
{
    int rc;
    if (!b)
        return cb_error(CBOLT_ERR_INVALID_ARG, "sequence: NULL bucket");
    if ((rc = btx_usable(b->tx, 1)) != CBOLT_OK)
        return rc;
    if ((rc = btx_result(b->tx, ntree_touch(&b->t))) != CBOLT_OK)
        return rc;
    b->sequence++;
    if (out)
        *out = b->sequence;
    return CBOLT_OK;
}

int cbolt_bucket_set_sequence(cbolt_bucket *b, uint64_t seq)
{
    int rc;
    if (!b)
        return cb_error(CBOLT_ERR_INVALID_ARG, "sequence: NULL bucket");
    if ((rc = btx_usable(b->tx, 1)) != CBOLT_OK)
        return rc;
    if ((rc = btx_result(b->tx, ntree_touch(&b->t))) != CBOLT_OK)
        return rc;
    b->sequence = seq;
    return CBOLT_OK;
}

void cbolt_bucket_set_fill_percent(cbolt_bucket *b, double fill)
{
    if (b)
        b->t.fill = !(fill >= 0.1) ? 0.1 : (fill > 1.0 ? 1.0 : fill); /* NaN: 0.1 */
}

/*@ // The handles b was opened through: Up(b, 0) is b, Up(b, k + 1) the
    // parent of Up(b, k); \null ends the chain (and stays \null).
    logic cbolt_bucket *Up{L}(cbolt_bucket *b, integer k) =
        k <= 0 ? b :
        (Up(b, k - 1) == \null ? (cbolt_bucket *)\null :
                                 Up(b, k - 1)->parent);
    // The chain from b ends at n: Up(b, n) is its first \null.
    predicate FirstNull{L}(cbolt_bucket *b, integer n) =
        0 <= n && Up(b, n) == \null &&
        \forall integer k; 0 <= k < n ==> Up(b, k) != \null;
*/

/* 1 when handle a is b or one of the handles b was opened through. */
/*@ requires ends: \exists integer n; n < SIZE_MAX &&
                   FirstNull((cbolt_bucket *)b, n);
    requires readable: \forall integer k; 0 <= k ==>
      Up((cbolt_bucket *)b, k) == \null ||
      \valid_read(Up((cbolt_bucket *)b, k));
    assigns \nothing;
    ensures bool: \result == 0 || \result == 1;
    ensures found: \result == 1 ==> a != \null &&
      \exists integer k; 0 <= k && Up((cbolt_bucket *)b, k) == a;
    ensures not_found: \result == 0 ==> \forall integer n;
      FirstNull((cbolt_bucket *)b, n) ==>
        \forall integer k; 0 <= k < n ==> Up((cbolt_bucket *)b, k) != a; */
static int is_ancestor(const cbolt_bucket *a, const cbolt_bucket *b)
{
    //@ ghost size_t i = 0;
    /*@ loop invariant up: b == Up((cbolt_bucket *)\at(b, Pre), i);
        loop invariant before_end: \forall integer n;
          FirstNull((cbolt_bucket *)\at(b, Pre), n) ==> i <= n;
        loop invariant not_yet: \forall integer k; 0 <= k < i ==>
          Up((cbolt_bucket *)\at(b, Pre), k) != a;
        loop assigns b, i; */
    for (; b; b = b->parent) {
        if (b == a)
            return 1;
        //@ ghost i = i + 1;
    }
    return 0;
}

/* Moves sub-bucket name from src (cursor cs) to dst (cursor cd): its
 * value goes from src's leaf to dst's, its cached handle with it. */
static int move_at(cbolt_bucket *src, cbolt_cursor *cs, cbolt_bucket *dst,
                   cbolt_cursor *cd, const void *name, size_t len)
{
    const uint8_t *k, *v, *key;
    uint32_t kl, vl, flags;
    cbolt_bucket *child;
    node *from, *to;
    int found, rc;
    if ((rc = search(cs, name, len, &found, &flags)) != CBOLT_OK)
        return rc;
    /* the empty name in an empty bucket: incompatible value, as bbolt
     * (see delete_bucket_at) */
    if (!found && len == 0 && !cursor_on_item(cs))
        return cb_error(CBOLT_ERR_INCOMPATIBLE_VALUE, "empty bucket name");
    if (!found)
        return cb_error(CBOLT_ERR_BUCKET_NOT_FOUND, "bucket not found");
    if (!(flags & LEAF_FLAG_BUCKET))
        return cb_error(CBOLT_ERR_INCOMPATIBLE_VALUE, "key holds a value");
    if (src == dst || (src->t.root == dst->t.root && src->t.root != 0))
        return cb_error(CBOLT_ERR_SAME_BUCKETS, "move: one bucket");
    cursor_item(cs, &k, &kl, &v, &vl, &flags);
    if ((rc = search(cd, name, len, &found, &flags)) != CBOLT_OK)
        return rc;
    if (found)
        return (flags & LEAF_FLAG_BUCKET)
                   ? cb_error(CBOLT_ERR_BUCKET_EXISTS, "bucket exists")
                   : cb_error(CBOLT_ERR_INCOMPATIBLE_VALUE,
                              "key holds a value");
    child = cached(src, name, len);
    if (child && is_ancestor(child, dst))
        return cb_error(CBOLT_ERR_INVALID_ARG,
                        "move: a bucket into itself or below itself");
    if (!(key = txmem_copy(&src->tx->mem, name, len)))
        return cb_error(CBOLT_ERR_NOMEM, "move: out of memory");
    if ((rc = cursor_node(cd, &to)) != CBOLT_OK ||
        (rc = cursor_node(cs, &from)) != CBOLT_OK ||
        (rc = node_put(to, key, (uint32_t)len, key, (uint32_t)len, v, vl, 0,
                       LEAF_FLAG_BUCKET)) != CBOLT_OK)
        return rc;
    node_del(from, key, (uint32_t)len);
    if ((rc = node_settle(to)) != CBOLT_OK)
        return rc;
    if (child) {
        uncache(src, child);
        child->name = key;
        return cache(dst, child);
    }
    return CBOLT_OK;
}

int cbolt_bucket_move_bucket(cbolt_bucket *src, const void *name, size_t len,
                             cbolt_bucket *dst)
{
    cbolt_cursor cs, cd;
    int rc;
    if (!src || !dst)
        return cb_error(CBOLT_ERR_INVALID_ARG, "move: NULL bucket");
    if ((rc = btx_usable(src->tx, 1)) != CBOLT_OK ||
        (rc = btx_usable(dst->tx, 1)) != CBOLT_OK)
        return rc;
    if (src->tx != dst->tx)
        return cb_error(CBOLT_ERR_DIFFERENT_DB, "move: buckets of different "
                        "transactions");
    if (!name && len)
        return cb_error(CBOLT_ERR_INVALID_ARG, "move: NULL name");
    if (!name)
        name = ""; /* the empty name, as bbolt's nil key */
    cursor_init(&cs, &src->t, src->top);
    cursor_init(&cd, &dst->t, dst->top);
    rc = move_at(src, &cs, dst, &cd, name, len);
    cursor_done(&cs);
    cursor_done(&cd);
    return btx_result(src->tx, rc);
}

/* Calls fn for the name of every bucket under cursor c. */
static int each_bucket(cbolt_cursor *c, cbolt_name_fn fn, void *arg)
{
    const uint8_t *k, *v;
    uint32_t kl, vl, flags;
    int rc;
    for (rc = cursor_first_raw(c); rc == CBOLT_OK; rc = cursor_next_raw(c)) {
        cursor_item(c, &k, &kl, &v, &vl, &flags);
        if ((flags & LEAF_FLAG_BUCKET) && (rc = fn(arg, k, kl)) != CBOLT_OK)
            return rc;
    }
    return rc == CBOLT_NOTFOUND ? CBOLT_OK : rc;
}

int cbolt_bucket_foreach_bucket(cbolt_bucket *b, cbolt_name_fn fn, void *arg)
{
    cbolt_cursor c;
    int rc;
    if (!b || !fn)
        return cb_error(CBOLT_ERR_INVALID_ARG, "foreach bucket: NULL");
    if ((rc = btx_usable(b->tx, 0)) != CBOLT_OK)
        return rc;
    cursor_init(&c, &b->t, b->top);
    rc = each_bucket(&c, fn, arg);
    cursor_done(&c);
    return rc;
}

/* ---- inspect: the tree of buckets, depth first, on a heap stack ---- */

typedef struct inspect_item {
    cbolt_bucket *b;         /* a write transaction's handle, or own */
    cbolt_bucket own;
    unsigned depth;
    const uint8_t *name;
    uint32_t nlen;
} inspect_item;

typedef struct inspector {
    inspect_item *st;
    size_t n, cap;
} inspector;

static inspect_item *inspect_push(inspector *in)
{
    if (in->n == in->cap) {
        size_t cap = in->cap ? 2 * in->cap : 16;
        inspect_item *p = cb_realloc(in->st, cap * sizeof *p);
        if (!p)
            return NULL;
        in->st = p;
        in->cap = cap;
    }
    return &in->st[in->n++];
}

/* Reports bucket *it (popped: a copy the caller holds), its keys
 * counted, after stacking its sub-buckets so that they come out next,
 * in key order. */
static int inspect_one(inspector *in, inspect_item *it, cbolt_inspect_fn fn,
                       void *arg)
{
    cbolt_bucket *b = it->b ? it->b : &it->own;
    cbolt_cursor c;
    uint64_t key_n = 0;
    size_t first = in->n, i, j;
    int rc;
    cursor_init(&c, &b->t, b->top);
    for (rc = cursor_first_raw(&c); rc == CBOLT_OK; rc = cursor_next_raw(&c)) {
        const uint8_t *k, *v;
        uint32_t kl, vl, flags;
        inspect_item *n;
        cursor_item(&c, &k, &kl, &v, &vl, &flags);
        if (!(flags & LEAF_FLAG_BUCKET)) {
            key_n++;
            continue;
        }
        if (!(n = inspect_push(in))) {
            rc = cb_error(CBOLT_ERR_NOMEM, "inspect: out of memory");
            break;
        }
        memset(n, 0, sizeof *n);
        n->depth = it->depth + 1;
        n->name = k;
        n->nlen = kl;
        rc = b->tx->s.writable
                 ? child_bucket(b, k, kl, &n->b)
                 : bucket_from_value(b, cursor_leaf_id(&c), v, vl, &n->own);
        if (rc != CBOLT_OK)
            break;
    }
    cursor_done(&c);
    if (rc != CBOLT_NOTFOUND)
        return rc;
    for (i = first, j = in->n; j > 0 && i < j - 1; i++, j--) {
        inspect_item t = in->st[i];
        in->st[i] = in->st[j - 1];
        in->st[j - 1] = t;
    }
    return fn(arg, it->depth, it->name, it->nlen, key_n);
}

int cbolt_bucket_inspect(cbolt_bucket *b, cbolt_inspect_fn fn, void *arg)
{
    inspector in = {NULL, 0, 0};
    inspect_item *top;
    int rc;
    if (!b || !fn)
        return cb_error(CBOLT_ERR_INVALID_ARG, "inspect: NULL argument");
    if ((rc = btx_usable(b->tx, 0)) != CBOLT_OK)
        return rc;
    if (!(top = inspect_push(&in)))
        return cb_error(CBOLT_ERR_NOMEM, "inspect: out of memory");
    memset(top, 0, sizeof *top);
    top->b = b;
    while (rc == CBOLT_OK && in.n > 0) {
        inspect_item it = in.st[--in.n];
        rc = inspect_one(&in, &it, fn, arg);
    }
    cb_free(in.st);
    return btx_result(b->tx, rc);
}

/* ---- commit ----------------------------------------------------------- */

/* Every cached handle below root (root first), parents before their
 * children, in a new heap array. */
static int all_handles(cbolt_bucket *root, cbolt_bucket ***out, size_t *n)
{
    cbolt_bucket **list;
    size_t cap = 16, i, j;
    *n = 0;
    if (!(list = cb_malloc(cap * sizeof *list)))
        return cb_error(CBOLT_ERR_NOMEM, "commit: out of memory");
    list[(*n)++] = root;
    for (i = 0; i < *n; i++) {
        u64map *m = &list[i]->children;
        for (j = 0; j < m->cap; j++) {
            cbolt_bucket *c;
            if (m->keys[j] < 2)
                continue;
            for (c = (cbolt_bucket *)(uintptr_t)m->vals[j]; c;
                 c = c->same_hash) {
                if (*n == cap) {
                    cbolt_bucket **p = cb_realloc(list, 2 * cap * sizeof *p);
                    if (!p) {
                        cb_free(list);
                        return cb_error(CBOLT_ERR_NOMEM,
                                        "commit: out of memory");
                    }
                    list = p;
                    cap *= 2;
                }
                list[(*n)++] = c;
            }
        }
    }
    *out = list;
    return CBOLT_OK;
}

int bucket_rebalance_all(cbolt_bucket *root)
{
    cbolt_bucket **list;
    size_t n, i;
    int rc = all_handles(root, &list, &n);
    if (rc != CBOLT_OK)
        return rc;
    for (i = 0; rc == CBOLT_OK && i < n; i++)
        rc = ntree_rebalance(&list[i]->t);
    cb_free(list);
    return rc;
}

/* The value that stores child in its parent: inline, or a header naming
 * its spilled root page. */
static int child_value(cbolt_bucket *child, const uint8_t **v, uint32_t *vlen)
{
    btx *tx = child->tx;
    uint8_t *buf;
    int rc;
    if (ntree_inlineable(&child->t)) {
        if ((rc = ntree_free_pages(&child->t)) != CBOLT_OK)
            return rc;
        *vlen = BUCKET_HDR_SIZE + ntree_inline_size(&child->t);
        if (!(buf = txmem_alloc(&tx->mem, *vlen)))
            return cb_error(CBOLT_ERR_NOMEM, "spill: out of memory");
        page_encode_bucket(buf, 0, child->sequence);
        ntree_write_inline(&child->t, buf + BUCKET_HDR_SIZE);
        *v = buf;
        return CBOLT_OK;
    }
    if ((rc = ntree_spill(&child->t)) != CBOLT_OK)
        return rc;
    if (!(buf = txmem_alloc(&tx->mem, BUCKET_HDR_SIZE)))
        return cb_error(CBOLT_ERR_NOMEM, "spill: out of memory");
    page_encode_bucket(buf, child->t.root, child->sequence);
    *v = buf;
    *vlen = BUCKET_HDR_SIZE;
    return CBOLT_OK;
}

/* Spills child and writes its value into its parent's tree. */
static int spill_child(cbolt_bucket *child)
{
    cbolt_bucket *b = child->parent;
    cbolt_cursor c;
    const uint8_t *v = NULL;
    uint32_t vlen = 0, flags;
    node *n;
    int found, rc = child_value(child, &v, &vlen);
    if (rc != CBOLT_OK || !child->t.root_node)
        return rc;
    cursor_init(&c, &b->t, b->top);
    rc = search(&c, child->name, child->name_len, &found, &flags);
    if (rc == CBOLT_OK && (!found || !(flags & LEAF_FLAG_BUCKET)))
        rc = cb_error(CBOLT_ERR_CORRUPT, "spill: bucket entry vanished");
    if (rc == CBOLT_OK)
        rc = cursor_node(&c, &n);
    cursor_done(&c);
    if (rc != CBOLT_OK)
        return rc;
    return node_put(n, child->name, child->name_len, child->name,
                    child->name_len, v, vlen, 0, LEAF_FLAG_BUCKET);
}

int bucket_spill_all(cbolt_bucket *root)
{
    cbolt_bucket **list;
    size_t n, i;
    int rc = all_handles(root, &list, &n);
    if (rc != CBOLT_OK)
        return rc;
    /* children before parents: the reverse of the parents-first list */
    for (i = n; rc == CBOLT_OK && i > 1; i--)
        rc = spill_child(list[i - 1]);
    if (rc == CBOLT_OK)
        rc = ntree_spill(&root->t);
    cb_free(list);
    return rc;
}

void bucket_release_all(btx *tx, cbolt_bucket *root)
{
    cbolt_bucket *b;
    ntree_release(&root->t);
    u64map_free(&root->children);
    for (b = tx->wbuckets; b; b = b->all_next) {
        ntree_release(&b->t);
        u64map_free(&b->children);
    }
    tx->wbuckets = NULL;
}
