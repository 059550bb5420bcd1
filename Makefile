# gongkai: ingest → normalize → extract → aggregate → render over a corpus folder.
#   make all                  read $(CORPUS) (default: corpus) and write $(OUT) (default: outputs)
#   make all CORPUS=dir OUT=dir EXCEL=1
#   make test                 unit and end-to-end tests, and a check that outputs/ is reproduced
#   make clean                remove the build and the work folder
#   make bench N=20000        time the stages on N synthetic reports: cold, unchanged, after changing 1%
# Intermediate NDJSON goes to $(WORK) (git-ignored). A second `make all` with nothing
# changed does no stage work: the corpus is fingerprinted by a manifest (names, sizes,
# modification times) that is only rewritten when it changes.
# One run at a time per OUT and per WORK folder: `make all` takes a lock on both (flock
# from util-linux); a second run while one is going stops at once with a message (exit 1).

CORPUS ?= corpus
OUT    ?= outputs
WORK   ?= .work/$(subst /,_,$(subst .,_,$(CORPUS)))
SWIFT  ?= swift
BIN    := .build/release
EXCEL  ?=
RENDER_FLAGS := $(if $(EXCEL),--excel,)

SOURCES := Package.swift $(shell find Sources -name '*.swift' 2>/dev/null)

.PHONY: all pipeline build test clean check-outputs help bench
.DELETE_ON_ERROR:

# The pipeline runs under a lock on the OUT and WORK folders themselves (no lock file to
# leave behind: the kernel drops the lock when the run ends, however it ends).
FLOCK ?= $(shell command -v flock 2>/dev/null)
LOCKED = $(MAKE) --no-print-directory pipeline

all:
	@mkdir -p "$(OUT)" "$(WORK)"
ifneq ($(FLOCK),)
	@rc=0; "$(FLOCK)" -n -o -E 75 "$(OUT)" "$(FLOCK)" -n -o -E 75 "$(WORK)" $(LOCKED) || rc=$$?; \
	if [ $$rc -eq 75 ]; then \
	  echo "gongkai: another run is writing '$(OUT)' (or using '$(WORK)'); wait for it to finish, then run again" >&2; exit 1; \
	fi; exit $$rc
else
	@echo "gongkai: flock (util-linux) not found: running without the lock that keeps two runs off one OUT" >&2
	@$(LOCKED)
endif

pipeline: $(OUT)/README.md

help:
	@sed -n '2,11p' Makefile

build: $(BIN)/.built

$(BIN)/.built: $(SOURCES)
	$(SWIFT) build -c release
	@touch $@

# Rewritten only when the corpus changed, so the stages below stay up to date otherwise.
$(WORK)/manifest: FORCE
	@test -d "$(CORPUS)" || { echo "gongkai: corpus folder '$(CORPUS)' not found (set CORPUS=folder)" >&2; exit 1; }
	@mkdir -p "$(WORK)"
	@find "$(CORPUS)" -printf '%P\t%y\t%s\t%T@\n' 2>/dev/null | LC_ALL=C sort > "$@.new"
	@if cmp -s "$@.new" "$@"; then rm -f "$@.new"; else mv "$@.new" "$@"; fi

# Exit code 2 means "finished, some files are error records": not a failure of the run.
# The output before the previous one is kept as $@.spare and written over (`1<>`: from its
# start, not emptied first; the stage cuts it to length): reusing its space instead of
# allocating a new file of the same size is most of what a re-run saves writing (the price:
# each intermediate file is on disk twice).
define stage
	@rc=0; if [ -f "$@.spare" ]; then mv -f "$@.spare" "$@.tmp"; fi; \
	$(1) 1<> "$@.tmp" || rc=$$?; \
	if [ $$rc -ne 0 ] && [ $$rc -ne 2 ]; then rm -f "$@.tmp"; exit $$rc; fi; \
	if [ -f "$@" ]; then mv -f "$@" "$@.spare"; fi; \
	mv "$@.tmp" "$@"
endef

# The per-document stages reuse their previous output for every record whose input
# did not change (same bytes, same stage build): the index beside each output says where.
# normalize and extract find that out from the index of their input (--input-index: the
# key the stage before gave each line), so an unchanged line is not even read.
# Ingest does the same for files whose path, size, times and inode are unchanged;
# aggregate for each agency's year-over-year record, render for what it drew of it.
$(WORK)/documents.ndjson: $(WORK)/manifest $(BIN)/.built
	@echo "ingest     $(CORPUS)"
	$(call stage,$(BIN)/gongkai-ingest --previous "$@" --index "$@.idx.new" "$(CORPUS)")
	@mv "$@.idx.new" "$@.idx"

$(WORK)/normalized.ndjson: $(WORK)/documents.ndjson $(BIN)/.built
	@echo "normalize"
	$(call stage,$(BIN)/gongkai-normalize --previous "$@" --index "$@.idx.new" --input-index "$<.idx" < "$<")
	@mv "$@.idx.new" "$@.idx"

$(WORK)/reports.ndjson: $(WORK)/normalized.ndjson $(BIN)/.built
	@echo "extract"
	$(call stage,$(BIN)/gongkai-extract --previous "$@" --index "$@.idx.new" --input-index "$<.idx" < "$<")
	@mv "$@.idx.new" "$@.idx"

$(WORK)/tables.ndjson: $(WORK)/reports.ndjson $(BIN)/.built
	@echo "aggregate"
	$(call stage,$(BIN)/gongkai-aggregate --previous "$@" --index "$@.idx.new" --cache "$(WORK)/aggregate.cache" --input-index "$<.idx" < "$<")
	@mv "$@.idx.new" "$@.idx"

$(OUT)/README.md: $(WORK)/tables.ndjson $(BIN)/.built
	@echo "render     $(OUT)"
	@$(BIN)/gongkai-render --out "$(OUT)" --cache "$(WORK)/render.cache" $(RENDER_FLAGS) < "$<"
	@touch "$@"  # render leaves a file with unchanged bytes alone: make must still see it as made

test:
	$(SWIFT) test
	$(MAKE) --no-print-directory check-outputs

# The committed outputs/ must be exactly what the pipeline makes of corpus/.
check-outputs:
	@rm -rf .work/check-outputs
	@$(MAKE) --no-print-directory all CORPUS=corpus OUT=.work/check-outputs WORK=.work/check
	@diff -r outputs .work/check-outputs && echo "outputs/ reproduced byte for byte"

N ?= 20000
REPEAT ?= 3
bench: $(BIN)/.built
	$(BIN)/gongkai-bench --n $(N) --repeat $(REPEAT) --work .work/bench --bin $(BIN)

clean:
	rm -rf .build .work

FORCE:
