# proofs/proofs.mk - Frama-C WP proofs of the ACSL contracts; the
# Makefile includes this fragment. See proofs/README.md.
#   make proofs           every module, a "Proved goals: X / Y" line each,
#                         then proofs/coverage.py's line: the share of
#                         src/*.c's code lines in proved functions (its
#                         table in build/proofs-coverage.md), and the
#                         table of proofs/README.md rewritten from the run
#   make proof-page       one module (also proof-meta, proof-freelist, proof-split,
#                         proof-alloc, proof-store, proof-cursor, proof-walk,
#                         proof-u64map, proof-check, proof-error, proof-node,
#                         proof-tx, proof-bucket, proof-dump, proof-os)
#   make proofs-scratch   every goal proved by the provers, without the
#                         committed cache of verdicts (proofs/cache/) that
#                         the other targets replay
#   make proofs-cache     proofs/cache/ rebuilt from scratch
# Fails unless every goal is proved. WP_STEPS, WP_LANES, WP_TIMEOUT and
# WP_RUN_CAP tune it (proofs/README.md).
.PHONY: proofs proofs-scratch proofs-cache proof-page proof-meta \
        proof-freelist proof-split proof-alloc proof-store proof-cursor \
        proof-walk proof-u64map proof-check proof-error proof-node proof-tx \
        proof-bucket proof-dump proof-os
proofs:
	bash proofs/run.sh
	python3 proofs/coverage.py --table build/proofs-coverage.md \
	    --readme proofs/README.md build/proofs
# Every goal proved again by the provers, the cache left aside.
proofs-scratch:
	WP_CACHE=none bash proofs/run.sh
	python3 proofs/coverage.py --table build/proofs-coverage.md build/proofs
# proofs/cache/ made again from scratch: only the verdicts of this code's
# goals (commit it with the change that made them).
proofs-cache:
	rm -rf proofs/cache
	WP_CACHE=update bash proofs/run.sh
proof-page:
	bash proofs/run.sh page
proof-meta:
	bash proofs/run.sh meta
proof-freelist:
	bash proofs/run.sh freelist
proof-split:
	bash proofs/run.sh split
proof-alloc:
	bash proofs/run.sh alloc
proof-store:
	bash proofs/run.sh store
proof-cursor:
	bash proofs/run.sh cursor
proof-walk:
	bash proofs/run.sh walk
proof-u64map:
	bash proofs/run.sh u64map
proof-check:
	bash proofs/run.sh check
proof-error:
	bash proofs/run.sh error
proof-node:
	bash proofs/run.sh node
proof-tx:
	bash proofs/run.sh tx
proof-bucket:
	bash proofs/run.sh bucket
proof-dump:
	bash proofs/run.sh dump

proof-os:
	bash proofs/run.sh os
