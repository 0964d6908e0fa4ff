"""The `arith` pipeline through a KedroSession: held-out problems, readable images, corpus."""

import io
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from tests.kedro_helpers import latest_version, run_pipelines


@pytest.mark.slow
def test_arith_pipeline(project_root: Path, tmp_path: Path) -> None:
    run_pipelines(project_root, tmp_path, ["arith"], {"arith.problems.max_operand": 4})
    train = pd.read_parquet(latest_version(tmp_path / "05_model_input" / "arith_train.parquet"))
    test = pd.read_parquet(latest_version(tmp_path / "05_model_input" / "arith_test.parquet"))
    corpus = pd.read_parquet(
        latest_version(tmp_path / "05_model_input" / "arith_pretrain_corpus.parquet")
    )
    rejects = pd.read_parquet(latest_version(tmp_path / "08_reporting" / "arith_rejects.parquet"))
    problems = 25 + 15  # 5x5 additions, 15 non-negative subtractions
    assert len(rejects) == 0
    assert len(train) + len(test) == problems * 2  # two renders per problem
    assert not set(train["problem"]) & set(test["problem"])  # held out by problem
    assert len(corpus) == problems * 6 * 3  # noisy answers, captions, second looks
    assert set(corpus["kind"]) == {"answer", "caption", "recheck"}
    # a second look is prompted with a first guess, and answers with the image's true reading
    recheck = corpus[corpus["kind"] == "recheck"].iloc[0]
    assert recheck["prompt"][-1]["content"][1]["text"].startswith("I think it is ")
    assert recheck["completion"].startswith("Wait, let me ")
    assert recheck["completion"].endswith(f"It shows {recheck['question']}. "
                                          f"{recheck['completion'].split('. ')[-1]}")
    image = Image.open(io.BytesIO(train["image"].iloc[0]["bytes"]))
    assert image.size == (224, 56)
    assert (train["solution"].astype(int) >= 0).all()
