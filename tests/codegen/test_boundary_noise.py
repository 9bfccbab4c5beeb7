"""The boundary_noise option: delimiter chunks shifted one token late, or some delimiters dropped (a control)."""

from __future__ import annotations

import pytest
import torch

from rt_explore.codegen import generate, spec_from_cell
from rt_explore.errors import UsageError
from rt_explore.taxonomy import load_taxonomy
from rt_explore.training.project import load_project

TAX = load_taxonomy()
DELIMITER = {"chunk_boundary": "delimiter"}
TINY = {"dim": 16, "n_layers": 1, "n_heads": 2, "mlp_ratio": 2.0}
CELLS = ("step/chunk", "depth+step/chunk")


def build(tmp_path, cell: str, noise: str, **options):
    """A generated model of `cell` with chunks at delimiter token 5 (vocab 8), perturbed by `noise`."""
    spec = spec_from_cell(cell, TAX, {**TINY, **DELIMITER, "boundary_noise": noise, **options}, "noisy")
    generate(spec, tmp_path / "noisy")
    project = load_project(tmp_path / "noisy")
    torch.manual_seed(0)
    return project.build(8, delimiter=5).eval()


def kernel_ends(model, ids: torch.Tensor, monkeypatch) -> torch.Tensor:
    """The `ends` mask the model hands the delimited_chunks kernel on a forward of `ids`."""
    namespace = type(model).step.__globals__  # the generated model.py's globals (its module is set aside)
    seen = []

    def spy(read_write, memory, x, ends, **kw):
        seen.append(ends)
        return kernel(read_write, memory, x, ends, **kw)

    kernel = namespace["delimited_chunks"]
    monkeypatch.setitem(namespace, "delimited_chunks", spy)
    with torch.no_grad():
        model(ids)
    return seen[0]


def test_boundary_noise_is_left_out_at_its_default_so_delimiter_models_keep_their_options():
    for cell in CELLS:
        plain = spec_from_cell(cell, TAX, DELIMITER, None).options
        assert "boundary_noise" not in plain and "boundary_drop" not in plain
        assert spec_from_cell(cell, TAX, {**DELIMITER, "boundary_noise": "none"}, None).options == plain
        assert spec_from_cell(cell, TAX, {**DELIMITER, "boundary_noise": "shift"}, None).options == {
            **plain, "boundary_noise": "shift"}
        assert spec_from_cell(cell, TAX, {**DELIMITER, "boundary_noise": "drop"}, None).options == {
            **plain, "boundary_noise": "drop", "boundary_drop": 0.2}
        fixed = spec_from_cell(cell, TAX, {}, None).options
        assert "boundary_noise" not in fixed and "boundary_drop" not in fixed


@pytest.mark.parametrize(("given", "message"), [
    ({"boundary_noise": "shift"}, "boundary_noise needs chunk_boundary delimiter"),
    ({**DELIMITER, "boundary_drop": 0.3}, "boundary_drop needs boundary_noise drop"),
    ({**DELIMITER, "boundary_noise": "late"}, "'late' is not one of none, shift, drop"),
    ({**DELIMITER, "boundary_noise": "drop", "boundary_drop": 1.5}, "at most 1"),
])
def test_a_noise_without_delimiter_chunks_or_out_of_range_is_refused(given, message):
    with pytest.raises(UsageError, match=message):
        spec_from_cell("step/chunk", TAX, given, None)
    with pytest.raises(UsageError, match="boundary_noise does not apply to cell depth/"):
        spec_from_cell("depth/chunk", TAX, {"boundary_noise": "shift"}, None)


def test_the_default_delimiter_model_is_the_same_text_with_or_without_boundary_noise_none(tmp_path):
    for i, cell in enumerate(CELLS):
        texts = []
        for j, given in enumerate((DELIMITER, {**DELIMITER, "boundary_noise": "none"})):
            out = tmp_path / f"{i}-{j}"
            generate(spec_from_cell(cell, TAX, given, "units"), out)
            texts.append({p.name: p.read_text() for p in (*(out / "units").glob("*.py"), out / ".rt-explore.yml")})
        assert texts[0] == texts[1]
        model = texts[0]["model.py"]
        assert "chunk_ends" not in model and "boundary_drop" not in texts[0]["config.py"]
        assert "ends = input_ids == self.config.delimiter_token" in model


@pytest.mark.parametrize("cell", CELLS)
def test_shifted_chunks_end_exactly_one_token_after_each_delimiter(cell, tmp_path, monkeypatch):
    model = build(tmp_path, cell, "shift")
    ids = torch.tensor([[1, 5, 2, 3, 5, 5, 4, 0, 1, 5],
                        [5, 0, 0, 5, 1, 2, 3, 4, 6, 7]])
    expected = torch.tensor([[0, 0, 1, 0, 0, 1, 1, 0, 0, 0],
                             [0, 1, 0, 0, 1, 0, 0, 0, 0, 0]], dtype=torch.bool)
    assert torch.equal(model.chunk_ends(ids), expected)
    assert torch.equal(kernel_ends(model, ids, monkeypatch), expected)
    # a delimiter that closes one streamed piece ends the next piece's first chunk at its first token
    assert torch.equal(model.chunk_ends(ids[:, 2:], after_delimiter=ids[:, 1] == 5), expected[:, 2:])


@pytest.mark.parametrize("cell", CELLS)
def test_shifted_chunks_stream_in_pieces_cut_right_after_a_delimiter(cell, tmp_path):
    model = build(tmp_path, cell, "shift")
    ids = torch.randint(0, 8, (3, 17), generator=torch.Generator().manual_seed(3))
    ids[:, 6] = 5
    with torch.no_grad():
        whole = model(ids)
        first, state = model.step(ids[:, :7])
        second, state = model.step(ids[:, 7:12], state)
        third, _ = model.step(ids[:, 12:], state)
    assert torch.allclose(whole, torch.cat([first, second, third], dim=1), atol=1e-5)


@pytest.mark.parametrize("cell", CELLS)
def test_about_a_fifth_of_the_delimiters_are_dropped_afresh_per_sequence_and_call(cell, tmp_path, monkeypatch):
    model = build(tmp_path, cell, "drop")
    assert model.config.boundary_drop == 0.2
    ids = torch.randint(0, 8, (64, 200), generator=torch.Generator().manual_seed(4))
    delimiters = ids == 5
    torch.manual_seed(1)
    ends = kernel_ends(model, ids, monkeypatch)
    assert not (ends & ~delimiters).any()  # only delimiters end chunks
    dropped = 1 - ends.sum() / delimiters.sum()
    assert 0.17 < dropped < 0.23, dropped
    again = model.chunk_ends(ids)
    assert not torch.equal(again, ends)  # another call, another draw
    twins = model.chunk_ends(ids[:1].expand(2, -1))
    assert not torch.equal(twins[0], twins[1])  # and each sequence its own, even for the same tokens
    model.config.boundary_drop = 0.0
    assert torch.equal(model.chunk_ends(ids), delimiters)
    model.config.boundary_drop = 1.0
    assert not model.chunk_ends(ids).any()


@pytest.mark.parametrize("noise", ["shift", "drop"])
def test_a_noisy_delimiter_project_trains_on_sentences(noise, tmp_path):
    from rt_explore.tasks import get_task
    from rt_explore.training.loop import train

    spec = spec_from_cell("step/chunk", TAX, {**TINY, **DELIMITER, "boundary_noise": noise}, "noisy")
    generate(spec, tmp_path / "noisy")
    result = train(load_project(tmp_path / "noisy"), get_task("sentences", max_train_length=12), steps=3,
                   batch_size=4, eval_batches=1, eval_batch_size=4)
    assert set(result.test_accuracy) == {12, 24, 48} and result.options["boundary_noise"] == noise
