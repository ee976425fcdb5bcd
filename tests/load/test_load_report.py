"""The load report's words about the driver's CPU: it says the driver saturated only when the figure says
so (near one core, the event loop's limit, or near every core)."""

from __future__ import annotations

from tests.load.report import driver_load


def test_a_driver_far_below_a_core_did_not_saturate() -> None:
    said = driver_load(28.0, 100.0, cores=2)
    assert said == "28 s CPU in 100 s = 28% of one core (below one core: the driver did not saturate)"
    assert "saturated" not in said


def test_near_one_core_the_event_loop_may_have_saturated() -> None:
    for cpu in (90.0, 99.0, 120.0):
        said = driver_load(cpu, 100.0, cores=4)
        assert f"= {cpu:.0f}% of one core (near or past one core:" in said
        assert "may have saturated" in said


def test_near_every_core_the_driver_saturated() -> None:
    said = driver_load(190.0, 100.0, cores=2)
    assert said.startswith("190 s CPU in 100 s = 190% of one core (near all 2 cores: the driver saturated,")
    # One core is every core: the one-core wording, not "all 1 cores".
    assert "may have saturated" in driver_load(95.0, 100.0, cores=1)


def test_no_time_is_no_load() -> None:
    assert driver_load(0.0, 0.0, cores=2).endswith(
        "0% of one core (below one core: the driver did not saturate)"
    )
