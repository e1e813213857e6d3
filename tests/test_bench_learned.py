"""`python -m bench learned`: the learned networks (random weights of the real
architectures, saved and loaded by the real code) timed on a small clip, on the CPU."""

import pytest

from bench.learned import main, parse_args


def test_the_suite_times_each_network_and_both_post_production_paths(capsys):
    assert main(["--device", "cpu", "--frames", "2", "--size", "64x48", "--repeats", "1"]) == 0
    printed = capsys.readouterr().out
    for row in ("Real-ESRGAN compact ×2 (64 features, 16 convs): one 64×48 frame (cpu)",
                "Real-ESRGAN x2plus ×2 (RRDBNet, 23 blocks): one 64×48 frame (cpu)",
                "RIFE v4.25: one in-between frame at 64×48 (cpu)",
                "RIFE ×2 then compact ×2, the networks alone: 2×64×48, cpu",
                "post-production, learned (RIFE, compact ×2): 2×64×48, cpu",
                "post-production, DIS + Lanczos: 2×64×48, cpu"):
        assert row in printed, row
    assert "torch.float32" in printed  # fp16 is for CUDA only


def test_a_cpu_run_defaults_to_a_small_crop_and_bad_sizes_are_refused(capsys):
    args = parse_args(["--device", "cpu"])
    assert (args.frames, args.size, args.repeats) == (3, (180, 120), 1)
    for bad in (["--size", "720"], ["--size", "8x8"], ["--frames", "1"]):
        with pytest.raises(SystemExit):
            parse_args(["--device", "cpu", *bad])
    assert "--size must be WIDTHxHEIGHT" in capsys.readouterr().err
