"""Text as each network sees it: exact lengths, links, hashtags, mentions, UTM tagging."""
