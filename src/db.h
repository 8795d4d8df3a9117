/*
 * db.h - the database handle's internal interface: reader registration.
 */
#ifndef CBOLT_DB_H
#define CBOLT_DB_H

#include "internal.h"

/* Registers a reader: copies the current meta and takes a reference on
 * the current mapping. */
void db_reader_begin(cbolt_db *db, meta *m, cbolt_map **map);
/* Drops a reader's reference; frees a retired mapping at its last. */
void db_reader_end(cbolt_db *db, cbolt_map *map);

#endif
