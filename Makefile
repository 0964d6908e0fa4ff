# Two entry points: `make run` (set up, then the default pipeline on the embedded default)
# and `make test` (set up, then lint and the whole test suite). Both work on a fresh machine.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
EXTRAS ?= train,deepspeed,viz,dev
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Smallest Debian set that renders real DeepMath questions: amsmath/amssymb (latex-base),
# mathrsfs/bm (latex-recommended), rsfs fonts (fonts-recommended), preview.sty, pdftoppm; and
# python3-venv (ensurepip), without which a fresh Debian has no `python3 -m venv`.
SYSTEM_PACKAGES := texlive-latex-base texlive-latex-recommended texlive-fonts-recommended \
	preview-latex-style poppler-utils python3-venv
export KEDRO_DISABLE_TELEMETRY := true
export DO_NOT_TRACK := 1
export HF_HUB_OFFLINE ?= 1
export MPLBACKEND := Agg

.PHONY: setup system-deps venv run test lint viz clean-data benchmarks check-learning-test test-recipes

setup: system-deps venv

system-deps:
	@if command -v pdflatex >/dev/null && command -v pdftoppm >/dev/null \
	    && kpsewhich preview.sty mathrsfs.sty bm.sty rsfs10.tfm >/dev/null 2>&1 \
	    && [ "$$(kpsewhich preview.sty mathrsfs.sty bm.sty rsfs10.tfm | wc -l)" = 4 ] \
	    && { [ -x $(PY) ] || $(PYTHON) -c "import ensurepip, venv" 2>/dev/null; }; then \
	  echo "system packages present"; \
	else \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	    --no-install-recommends $(SYSTEM_PACKAGES); \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e ".[$(EXTRAS)]"
	touch $@

run: setup
	$(VENV)/bin/kedro run

lint: setup
	$(VENV)/bin/ruff check src tests benchmarks tools

test: setup lint
	$(VENV)/bin/pytest

# Each seed recipe's README command run whole on this CPU (true-layout mirrors, real-shaped
# Qwen2-VL-2B / Qwen2.5-VL-3B stand-ins with layers cut), the three documented variants too:
# about 12 minutes, so not in `make test`.
test-recipes: setup
	$(VENV)/bin/pytest -m recipes tests/pipelines/test_recipe_runs.py

viz: setup
	$(VENV)/bin/kedro viz build

# Every CPU benchmark at its defaults (results in benchmarks/results/, docs/benchmarks.md);
# `make benchmarks BENCHMARKS="render rewards"` runs a subset. The 3B-shaped GRPO step needs a
# GPU: it runs when torch sees one, else it is skipped with a message.
BENCHMARKS ?= render rewards grpo_step eval_throughput miniature_r1_zero ingest_deepmath \
	ingest_sat_rowgroup
BENCHMARK_ARGS_grpo_step := --output benchmarks/results/grpo_step.md
benchmarks: setup
	$(foreach name,$(BENCHMARKS),echo "== benchmarks/$(name).py" && \
	  $(PY) benchmarks/$(name).py $(BENCHMARK_ARGS_$(name)) && ) true
	@if $(PY) -c "import sys, torch; sys.exit(not torch.cuda.is_available())" 2>/dev/null; then \
	  echo "== benchmarks/grpo_step.py --shape qwen2_5_vl_3b (GPU)"; \
	  $(PY) benchmarks/grpo_step.py --shape qwen2_5_vl_3b --batch 8 --num-generations 8 \
	    --completion-length 512 --steps 5 --dtype bfloat16 --output benchmarks/results/grpo_step.md; \
	else \
	  echo "== skipped: benchmarks/grpo_step.py --shape qwen2_5_vl_3b needs a GPU (none found)"; \
	fi

# Generated data under data/ (every stage's versions, checkpoints), keeping the folders'
# .gitkeep files. MLflow runs (mlflow.db, mlruns/) are left alone.
clean-data:
	find data -mindepth 2 ! -name .gitkeep -delete

# The learning tests must fail when GRPO is broken (tests/mutations/grpo_sabotage.py): the
# miniature run's accuracy/format test and its reflection (aha) test with the advantage sign
# flipped or the rewards shuffled across completions, the KL test with the KL sign flipped. Each
# named test must fail under its mutation (pytest exit 1, listed as FAILED); then all pass.
LEARNING_TEST := tests/pipelines/test_grpo_arith.py::test_grpo_raises_held_out_accuracy_and_format
AHA_TEST := tests/pipelines/test_grpo_arith.py::test_grpo_raises_reflection_and_self_correction
KL_TEST := tests/training/test_kl_penalty.py
check-learning-test: setup
	@for case in "flip_advantage:$(LEARNING_TEST) $(AHA_TEST)" \
	    "shuffle_rewards:$(LEARNING_TEST) $(AHA_TEST)" "flip_kl:$(KL_TEST)"; do \
	  mutation=$${case%%:*}; tests=$${case#*:}; \
	  echo "== $$mutation: $$tests must fail"; \
	  out=$$($(PY) -m pytest -q -rf -p tests.mutations.grpo_sabotage \
	    --grpo-sabotage=$$mutation $$tests 2>&1); rc=$$?; echo "$$out" | tail -n 20; \
	  if [ $$rc != 1 ]; then echo "!! $$mutation: pytest exit $$rc (1 = test failed is required)"; \
	    exit 1; fi; \
	  for test in $$tests; do \
	    echo "$$out" | grep -q "^FAILED $$test" \
	      || { echo "!! $$mutation: $$test did not fail"; exit 1; }; \
	  done; \
	  echo "== $$mutation: failed, as it must"; \
	done
	$(PY) -m pytest -q $(LEARNING_TEST) $(AHA_TEST) $(KL_TEST)
