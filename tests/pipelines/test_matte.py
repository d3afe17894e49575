"""Matte refinement: holes kept, specks dropped, pinholes closed, edges snapped to the photo."""

from __future__ import annotations

import cv2
import numpy as np

from pipelines.cutout.matte import MatteOptions, refine_alpha


def _ring_scene(size=200):
    """A photo of a ring (a hole in the middle) and the network's blurry low-resolution guess of it."""
    rgb = np.full((size, size, 3), 230, np.uint8)
    cv2.circle(rgb, (size // 2, size // 2), 70, (180, 120, 20), -1)
    cv2.circle(rgb, (size // 2, size // 2), 35, (230, 230, 230), -1)
    truth = (np.abs(rgb.astype(int) - 230).sum(-1) > 0).astype(np.float32)
    prob = cv2.resize(cv2.GaussianBlur(truth, (0, 0), 3), (80, 80), interpolation=cv2.INTER_AREA)
    return rgb, truth, prob


def test_hole_of_a_ring_stays_open():
    rgb, truth, prob = _ring_scene()
    alpha = refine_alpha(prob, rgb)
    assert alpha[100, 100] < 0.05  # the centre of the ring is background
    assert alpha[100, 100 + 50] > 0.95  # the band is product
    assert np.mean((alpha >= 0.5) == (truth >= 0.5)) > 0.98


def test_edges_are_sharper_than_the_networks_guess():
    rgb, truth, prob = _ring_scene()
    naive = cv2.resize(prob, (200, 200), interpolation=cv2.INTER_LINEAR)
    alpha = refine_alpha(prob, rgb)
    assert np.abs(alpha - truth).mean() < 0.6 * np.abs(naive - truth).mean()


def test_stray_specks_are_dropped_but_a_second_real_part_is_kept():
    rgb = np.full((200, 300, 3), 240, np.uint8)
    prob = np.zeros((200, 300), np.float32)
    prob[40:160, 30:130] = 1.0  # the product
    prob[60:140, 170:260] = 1.0  # a second, real part (e.g. the other earring)
    prob[10:13, 280:283] = 1.0  # a speck
    alpha = refine_alpha(prob, rgb, MatteOptions(guided_radius=0.001))
    assert alpha[100, 80] > 0.9 and alpha[100, 215] > 0.9
    assert alpha[11, 281] == 0.0


def test_pinholes_are_closed_but_real_holes_are_not():
    rgb = np.full((200, 200, 3), 128, np.uint8)
    prob = np.zeros((200, 200), np.float32)
    prob[20:180, 20:180] = 1.0
    prob[60:62, 60:62] = 0.0  # a 4-pixel pinhole of noise
    prob[100:160, 100:160] = 0.0  # a real opening (a handle)
    alpha = refine_alpha(prob, rgb, MatteOptions(guided_radius=0.001))
    assert alpha[60, 60] == 1.0
    assert alpha[130, 130] == 0.0
