"""The gettext catalogs shared by the web and the bot (zh/, en/ LC_MESSAGES/messages.po and
.mo). A package only so that a built wheel carries them beside the code: the code finds
them by path (this folder), never by importing it."""
