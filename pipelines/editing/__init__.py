"""The chat editor's operations on a picture: one round of an edit plan -> a new picture.

    edit     one editing round: an operation from the plan -> a new picture and the mask of what changed
    inpaint  regenerate the masked region with a loaded diffusers editor
    remove   weightless object removal (PatchMatch)
    select   click or box selection -> an object's mask
    objects  a picture's objects: salient products and detector-named things, each with a box and a mask
    scene    a product cut-out placed on a scene (fitted, grounded, relit)
    masks    plan boxes and user masks -> pixel masks, and compositing

Modules are imported by name (this file imports nothing, so importing one module never loads the others).
"""
