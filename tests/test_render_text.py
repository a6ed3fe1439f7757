from bot.render.text import render_text
from commands.core.document import Button, Code, Document, Emphasis, Mention, Strong


def test_plain_text_rendering_of_every_block() -> None:
    doc = (
        Document()
        .heading("Status")
        .paragraph("Läge: ", Strong("aktiverat"), " ", Emphasis("nu"), " ", Code("!status"))
        .bullets([["A ", Mention("test", "anna", "Anna A")], "B"])
        .bullets(["ett", "två"], numbered=True)
        .fields([("Nivå", "samordnande")])
        .actions(Button("Kvittera", "kvittera", "Svara !kvittera."))
    )
    assert render_text(doc) == (
        "Status\n──────\n"
        "Läge: aktiverat nu !status\n"
        "  • A @anna\n  • B\n"
        "  1. ett\n  2. två\n"
        "Nivå: samordnande\n"
        "→ Svara !kvittera."
    )
