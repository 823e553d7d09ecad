"""Measuring the product: case-question files, public retrieval benchmarks (BEIR layout), and
speed and scale. Used by ``python -m bot.eval`` and ``python -m bot.bench``; never by answers.
Every data path is an argument: nothing here knows where the project or ../shared lie."""
