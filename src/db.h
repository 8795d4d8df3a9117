/*
 * db.h - the database handle's internal interface: reader registration.
 */
#ifndef CBOLT_DB_H
#define CBOLT_DB_H

#include "internal.h"

/* Registers a reader: copies the current meta and takes a reference on
 * the current mapping. */
int db_reader_begin(cbolt_db *db, meta *m, cbolt_map **map);
/* Drops a reader's reference; frees a retired mapping at its last. */
void db_reader_end(cbolt_db *db, cbolt_map *map, uint64_t txid);
/* Waits until no writer is open, becomes the writer, releases the pages
 * no open reader can see, and copies the meta and mapping. */
int db_writer_begin(cbolt_db *db, meta *m, cbolt_map **map);
/* Ends the writer: with a committed meta, publishes it (mapping the file
 * anew when it outgrew the mapping); lets the next writer in. */
void db_writer_end(cbolt_db *db, cbolt_map *map, const meta *committed);
/* Notes that the writer needs the mapping to cover minsz bytes (bbolt's
 * mmapSize steps); the new mapping is made at commit. */
void db_reserve(cbolt_db *db, uint64_t minsz);
/* Grows the file for sz bytes in bbolt's steps (truncate + sync unless
 * no_grow_sync). */
int db_grow(cbolt_db *db, uint64_t sz);
/* Refuses writers from now on (a commit failed after its meta write). */
void db_poison(cbolt_db *db);
/* Forgets that page pgid of the current mapping was validated. */
void db_unmark_checked(cbolt_db *db, uint64_t pgid);

#endif
