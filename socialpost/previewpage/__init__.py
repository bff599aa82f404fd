"""`socialpost preview`: a page showing each post as each network will show it.

* :mod:`.build` gathers the previews (:mod:`socialpost.preview`, what `show` prints), `validate`'s
  advice about each post and account, and the images as data URIs (:mod:`.images`);
* :mod:`.text` draws a text the way an app does (shortened links, hashtags, Bluesky's facets, the
  fold of a long caption);
* :mod:`.html` lays the page out, a card per account.
"""
