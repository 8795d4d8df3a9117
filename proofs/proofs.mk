# proofs/proofs.mk - Frama-C WP proofs of the ACSL contracts; the
# Makefile includes this fragment. See proofs/README.md.
#   make proofs           every module, a "Proved goals: X / Y" line each,
#                         then proofs/coverage.py's line: the share of
#                         src/*.c's code lines in proved functions (its
#                         table in build/proofs-coverage.md; the one in
#                         proofs/README.md is rewritten by
#                         python3 proofs/coverage.py --readme proofs/README.md)
#   make proof-page       one module (also proof-meta, proof-freelist, proof-split)
# Fails unless every goal is proved. WP_STEPS, WP_LANES, WP_TIMEOUT and
# WP_RUN_CAP tune it (proofs/README.md).
.PHONY: proofs proof-page proof-meta proof-freelist proof-split
proofs:
	bash proofs/run.sh
	python3 proofs/coverage.py --table build/proofs-coverage.md build/proofs
proof-page:
	bash proofs/run.sh page
proof-meta:
	bash proofs/run.sh meta
proof-freelist:
	bash proofs/run.sh freelist
proof-split:
	bash proofs/run.sh split
