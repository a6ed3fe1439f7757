from tests.support.chat import Chat


def test_binding_a_channel_shows_the_forum(forum_chat: Chat) -> None:
    said = forum_chat.say("!forum")
    assert "Regional samverkanskonferens" in said.text
    assert "Nästa möte: torsdag 2026-11-26 16:00" in said.text
