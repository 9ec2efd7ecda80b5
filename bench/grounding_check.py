#!/usr/bin/env python3
"""Checks a job's pairs against the grounding gate's deterministic rules, written again here, apart from the service's
code, so the benchmark can catch the service's own mistakes: leftover numbering or labels, the prompt's example or
instructions echoed, markup or code fragments, numbers or quoted names the chunk lacks, and questions about "this spec"
that name nothing of it, and the grounding floor: the share of an answer's content words (Porter stems, Snowball's
English stopwords left out, numbers apart) that its chunk and the job's facts of that chunk hold, with the question
counted in for an answer of fewer than four content words (English only: the benchmark's document is). Reads the pairs
(GET /api/jobs/{id}/pairs), the chunks of their documents, the job's facts and the prompt texts, and prints one JSON
object: pairs parsed, accepted, rejects by reason, the accepted pairs that fail a check, the lowest support among the
accepted, and whether the judge is the generator itself.

Usage: grounding_check.py API JOB_ID MIN_SUPPORT PROMPT_FILE...   (needs snowballstemmer)
"""
import collections, json, re, sys, urllib.request

import snowballstemmer

API, JOB, MIN_SUPPORT, PROMPT_FILES = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4:]


def get(path):
    with urllib.request.urlopen(API + path) as answer:
        return json.load(answer)


def words(text):
    return re.sub(r"[^\w]+", " ", text.lower()).split()


def shingles(text):
    w = words(text)
    return {tuple(w[i:i + 3]) for i in range(len(w) - 2)} if len(w) >= 3 else {tuple(w)}


NUMBER_WORDS = {w: str(i) for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve "
                                                 "thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty".split())}
NUMBER_WORDS.update({"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80",
                     "ninety": "90", "hundred": "100", "thousand": "1000", "million": "1000000"})
NUMBER = re.compile(r"(?<![^\W\d_])(?<![\d.,])\d+(?:[.,]\d+)*")
LEFTOVER = re.compile(r"^\s*(\(?\d{1,3}[.):\]](?!\d)|[-*•]\s|(q|a|question|answer)s?\s*#?\d{0,3}\s*:)|"
                      r"(?<=[.!?])\s*(q|a|question|answer)s?\s*#?\d{0,3}\s*:\s*$|^\s*\[.*\]\s*$", re.I)
TAG = re.compile(r"</?[A-Za-z][\w:.-]*(\s[^<>]*)?/?>")
DEICTIC = re.compile(r"\b(this|that|these|those|the|above|following|said|given)\s+(spec|specs|specification|document|text|"
                     r"passage|section|chapter|paragraph|article|paper|excerpt|extract|chunk|manual|page|input|snippet|"
                     r"source|author|material)\b|\b(according to|based on|in|from)\s+(it|this|the text|the passage|"
                     r"the document|the excerpt|the input|the above)\b|^\W*(what|who|how|why|when|where|which)\s+(is|are|"
                     r"was|were|does|do|did|can|could|should|would|will)\s+(it|this|that|they|these|those|he|she)\b", re.I)
QUOTED = re.compile(r"\"([^\"]{2,200})\"|\u201c([^\u201d]{2,200})\u201d|`([^`]{2,200})`")


# Snowball's English stopword list (snowballstem.org/algorithms/english/stop.txt), as the service uses it.
STOPWORDS = set("""i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
herself it its itself they them their theirs themselves what which who whom this that these those am is are was were be
been being have has had having do does did doing would should could ought i'm you're he's she's it's we're they're i've
you've we've they've i'd you'd he'd she'd we'd they'd i'll you'll he'll she'll we'll they'll isn't aren't wasn't weren't
hasn't haven't hadn't doesn't don't didn't won't wouldn't shan't shouldn't can't cannot couldn't mustn't let's that's
who's what's here's there's when's where's why's how's a an the and but if or because as until while of at by for with
about against between into through during before after above below to from up down in out on off over under again
further then once here there when where why how all any both each few more most other some such no nor not only own same
so than too very""".split())
STEMMER = snowballstemmer.stemmer("porter")
MIN_CLAIM_WORDS = 4


def stems(text):
    tokens = [t[:-2] if t.endswith(("'s", "’s")) else t
              for t in re.findall(r"\w+(?:['’.]\w+)*", text.lower().replace("_", " "))]
    return {s for s in STEMMER.stemWords([t for t in tokens if t not in STOPWORDS]) if re.search(r"[^\W\d_]", s)}


def support(pair, source):
    content = stems(pair["answer"])
    if len(content) < MIN_CLAIM_WORDS:
        content |= stems(pair["question"])
    return len(content & source) / len(content) if content else 1.0


def forms(number):
    out = {number}
    if re.fullmatch(r"\d{1,3}(,\d{3})+", number):
        out.add(number.replace(",", ""))
    elif re.fullmatch(r"\d+,\d+", number):
        out.add(number.replace(",", "."))
    elif re.fullmatch(r"\d{4,}", number):
        out.add(f"{int(number):,}")
    return out


def numbers_of(chunk):
    found = set()
    for m in NUMBER.finditer(chunk):
        found |= forms(m.group())
    found |= {NUMBER_WORDS[w] for w in words(chunk) if w in NUMBER_WORDS}
    return found


def echoes(text, chunk_shingles, prompt_units, prompt_lines):
    """A copy of a prompt line or sentence: nearly all of the text in it, or the two alike, not counting what the
    chunk says too."""
    w = words(text)
    if not w:
        return False
    if len(w) < 4:
        return " ".join(w) in prompt_lines
    s = shingles(text)
    for unit in prompt_units:
        shared = len((s & unit) - chunk_shingles)
        if shared >= 0.8 * len(s) or shared >= 0.5 * len(s | unit) or (len(unit) >= 4 and shared >= 0.8 * len(unit)):
            return True
    return False


def code_fragment(text):
    """A code fence, mostly symbols, or code cut off: brackets left open, or a trailing operator."""
    t = text.strip()
    symbols = sum(1 for c in t if not c.isalnum() and not c.isspace())
    alnum = sum(1 for c in t if c.isalnum())
    unbalanced = any(t.count(o) != t.count(c) for o, c in ("()", "[]", "{}"))
    return t.startswith("```") or symbols > 2 * alnum or unbalanced or bool(re.search(r"(<-|[=,+(\[{])\s*$", t))


def failures(pair, chunk, prompt_units, prompt_lines):
    q, a = pair["question"], pair["answer"]
    found = []
    if LEFTOVER.search(q) or LEFTOVER.search(a):
        found.append("leftover_numbering_or_label")
    chunk_shingles = shingles(chunk)
    if echoes(q, chunk_shingles, prompt_units, prompt_lines) or echoes(a, chunk_shingles, prompt_units, prompt_lines):
        found.append("prompt_echo")
    for text in (q, a):
        if TAG.search(text) and len(re.findall(r"[^\W\d_]+", TAG.sub(" ", text))) < 3 or code_fragment(text):
            found.append("markup")
            break
    chunk_numbers = numbers_of(chunk)
    if any(not (forms(m.group()) & chunk_numbers) for m in NUMBER.finditer(a)) or \
            any(NUMBER_WORDS[w] not in chunk_numbers for w in words(a) if w in NUMBER_WORDS and w != "one"):
        found.append("unsupported_number")
    chunk_words = " " + " ".join(words(chunk)) + " "
    for m in QUOTED.finditer(a):
        quoted = " ".join(words(next(g for g in m.groups() if g)))
        if quoted and f" {quoted} " not in chunk_words:
            found.append("unsupported_name")
            break
    if DEICTIC.search(q):
        counts = collections.Counter(w for w in words(chunk) if len(w) >= 4 and not w.isdigit())
        key_terms = {w for w, _ in counts.most_common(12)}
        key_terms |= {t.lower() for t in re.findall(r"\w+", chunk) if re.search(r"[\d_]|.[A-Z]", t)}
        if not key_terms & set(words(q)):
            found.append("not_self_contained")
    return found


def main():
    job = get(f"/api/jobs/{JOB}")
    facts_of = collections.defaultdict(list)
    page = 0
    while job.get("coverage"):
        answer = get(f"/api/jobs/{JOB}/facts?size=1000&page={page}")
        for fact in answer["content"]:
            facts_of[fact["chunkId"]].append(fact["text"])
        if len(answer["content"]) < 1000:
            break
        page += 1
    prompts = [open(f, encoding="utf-8").read() for f in PROMPT_FILES] + list((job.get("params") or {}).get("prompts", {}).values())
    prompts.append(job["context"])
    prompt_units, prompt_lines = [], set()
    for prompt in prompts:
        text = re.sub(r"\{\w+\}", "\n", prompt)
        for unit in text.splitlines() + re.split(r"(?<=[.?!:])\s+", re.sub(r"\s+", " ", text)):
            key = " ".join(words(unit))
            if key and key not in prompt_lines:
                prompt_lines.add(key)
                prompt_units.append(shingles(unit))
    pairs, page = [], 0
    while True:
        answer = get(f"/api/jobs/{JOB}/pairs?size=1000&page={page}")
        pairs += answer["content"]
        if len(answer["content"]) < 1000:
            break
        page += 1
    chunks = {}
    for document in {p["documentId"] for p in pairs}:
        page = 0
        while True:
            answer = get(f"/api/documents/{document}/chunks?size=100&page={page}")
            chunks.update({c["id"]: c["text"] for c in answer["content"]})
            if len(answer["content"]) < 100:
                break
            page += 1
    accepted = [p for p in pairs if p["rejectedReason"] is None and p.get("judgeVerdict") != "pending"]
    wrong = collections.Counter()
    examples = []
    wrong_pairs = 0
    supports = []
    for pair in accepted:
        found = failures(pair, chunks[pair["chunkId"]], prompt_units, prompt_lines)
        source = stems(chunks[pair["chunkId"]] + "\n" + "\n".join(facts_of[pair["chunkId"]]))
        supports.append(support(pair, source))
        if supports[-1] < MIN_SUPPORT:
            found.append("under_grounding_floor")
        if found:
            wrong_pairs += 1
            wrong.update(found)
            if len(examples) < 5:
                examples.append({"question": pair["question"], "answer": pair["answer"], "fails": found})
    rejects = collections.Counter(p["rejectedReason"] for p in pairs if p["rejectedReason"])
    rejected_examples = {}
    for p in pairs:
        if p["rejectedReason"] and len(rejected_examples.setdefault(p["rejectedReason"], [])) < 2:
            rejected_examples[p["rejectedReason"]].append({"question": p["question"][:200], "answer": p["answer"][:200]})
    judge = job.get("judge") or {}
    print(json.dumps({
        "status": job["status"], "calls": job["tasks"]["total"], "failedCalls": job["tasks"]["failed"],
        "failures": job.get("failures"), "nothingToTeach": (job.get("coverage") or {}).get("nothingToTeach"),
        "parsed": len(pairs), "accepted": len(accepted),
        "yield": round(len(accepted) / len(pairs), 3) if pairs else None,
        "rejects": dict(rejects.most_common()),
        "judgePassRate": judge.get("passRate"), "judged": (judge.get("passed", 0) + judge.get("failed", 0)) if judge else None,
        "facts": (job.get("coverage") or {}).get("facts"), "factsCovered": (job.get("coverage") or {}).get("covered"),
        "acceptedFailingChecks": wrong_pairs,
        "acceptedFailingShare": round(wrong_pairs / len(accepted), 3) if accepted else None,
        "failingByCheck": dict(wrong.most_common()), "failingExamples": examples,
        "minSupport": MIN_SUPPORT, "acceptedUnderFloor": wrong["under_grounding_floor"],
        "lowestAcceptedSupport": round(min(supports), 3) if supports else None,
        "judgeIsGenerator": (judge.get("provider") == job["provider"] and judge.get("model") == job["model"]) if judge else None,
        "judgeWarning": judge.get("warning"),
        "acceptedExamples": [{"question": p["question"], "answer": p["answer"]} for p in accepted[:5]],
        "rejectedExamples": rejected_examples,
    }, indent=2, ensure_ascii=False))


main()
