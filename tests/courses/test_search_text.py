from courses.search_text import query_phrases, query_terms, searchable_tokens


def test_a_word_inside_a_sentence_is_indexed_by_its_character_pairs():
    tokens = searchable_tokens("社区禁毒专干应当掌握美沙酮维持治疗的基本知识").split()
    assert {"美沙", "沙酮"} <= set(tokens)
    assert set(query_terms("美沙酮")) <= set(tokens)


def test_mixed_full_width_and_latin_queries():
    assert query_terms("ＭＤＭＡ 的危害") == ["mdma", "的危", "危害"]
    assert "mdma" in searchable_tokens("摇头丸（MDMA）危害大").split()


def test_queries_without_anything_searchable_give_no_terms():
    assert query_terms("！！？？。。、、") == []
    assert query_terms("   ") == []


def test_very_long_queries_are_cut():
    assert len(query_terms("禁毒" * 1000)) <= 100


def test_phrases_to_highlight_longest_first():
    assert query_phrases("正念 防复发 MBRP") == ["mbrp", "防复发", "正念"]
