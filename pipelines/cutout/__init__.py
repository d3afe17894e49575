"""Cut-out and white background: the product separated from its photo and put on white.

    segmentation      salient-object model (rembg session) -> soft alpha
    matte             that alpha -> a clean full-resolution matte
    product           a product photo -> the product alone (RGBA, cropped)
    product_mask      the product's own mask for "change the background"
    compose           a cut-out on its new background: decontamination, framing, shadow
    presets           marketplace presets and a user's overrides
    compliance        does the finished image meet its marketplace's rules
    white_background  the whole job: photo -> white-background image + report

Modules are imported by name (this file imports nothing, so the web tier can use presets without loading
the models' code).
"""
