"""What the injection detector looks for: signal classes over the matching stream, and the rules
that combine them (see :mod:`assistant.text.injection` for the stream and the units).

Every pattern runs on the *matching stream*: NFKC, lower-cased, with all whitespace and invisible
characters removed, so a pattern never contains a space and sees 「審 査 員」 and "s c o r e" as
「審査員」 and "score". Words are classes, not triggers: a class alone flags nothing (except
``override``); the ``RULES`` name the combinations that do.
"""

from __future__ import annotations

import re

#: Signals of one rule must lie within this many stream characters (about two table rows), so
#: words in unrelated rows of a long table without sentence ends cannot combine.
WINDOW = 150


def _gap(n: int) -> str:
    return rf"[^。!?]{{0,{n}}}"


#: The stream is lower-cased; the upper-case words 'AI' and 'LLM' (not 'maintain', 'fullmarks') are
#: kept apart as full-width 'ＡＩ'/'ＬＬＭ', which NFKC never leaves in the stream otherwise.
_AI = r"(?:ＡＩ|ＬＬＭs?)"
_MACHINE = (
    rf"(?:生成{_AI}|{_AI}|人工知能|(?:大規模)?言語モデル|(?:chat)?gpt|claude|gemini|copilot|チャットボット"
    r"|チャットＡＩ|アシスタント|languagemodels?|chatbots?|assistant)"
)
_ROLE_JA = (
    r"(?:(?:審査|評価|採点|判定|査定|チェック)(?:担当(?:者|官)?|員(?!会)|者|官|委員(?!会)|"
    rf"{_AI}|システム|ツール|モデル|プログラム)"
    r"|(?:審査|評価|採点|判定|チェック|読む|読み込む|読み?取(?:る|り)?|読取|要約|分析|解析|よむ|よんでいる|よみこむ"
    r"|(?:審査|評価|採点|判定)を(?:ご)?担当(?:いただく|いただいている|される|する|している|なさる))"
    r"(?:する|を行う|している|に用いる|用の?|中の)?"
    rf"(?:{_MACHINE}|システム|モデル|ツール|プログラム|エンジン|ソフト(?:ウェア)?|ボット|者|方|人|担当者?)"
    r"|読み手|読者|閲覧者)"
)
_ROLE_EN = (
    r"(?:reviewers?|assessors?|evaluators?|graders?|checkers?|examiners?|readers?|scorers?|adjudicators?"
    r"|(?:assess|review|evaluat|grad|scor|check|mark)[a-z]{0,4}(?:tools?|systems?|software|models?|bots?"
    r"|pipelines?"
    r"|engines?|ＡＩ)"
    r"|whoever(?:evaluates|reviews|assesses|reads|grades|checks|scores|marks|processes))"
)
_ADDRESSEE = rf"(?:{_ROLE_JA}|{_ROLE_EN}|{_MACHINE})"
#: An addressee as named in a salutation: 「ChatGPT等」「生成AI（LLM）」.
_ADDR_X = rf"{_ADDRESSEE}(?:等|など)?(?:[(（][^)）]{{0,20}}[)）])?"
_SCOPE_THIS = (
    r"(?:(?:本|当|この|当該)(?:計画|プラン|書|資料|文書|ファイル|申請|提案|ページ|pdf|文(?!化))"
    r"|this(?:plan|document|submission|proposal|application|file|pdf|page|text|one)|ourplan)"
)
_SCOPE_ALL = (
    r"(?:(?:全て|すべて|全部|全|各|いずれ)の?(?:審査|評価|チェック|採点)?(?:要件|基準|項目|観点|欄)|全項目"
    r"|(?:all|every|each)(?:the|of|the)*[a-z]{0,12}?(?:items?|criteri(?:on|a)|requirements?|boxe?s?"
    r"|categor(?:y|ies)))"
)
_EVAL_NOUN = (
    r"(?:(?:審査|評価|採点|チェック)項目|(?:判定|評価|審査)(?:結果)?欄|(?:審査|評価|判定)結果|評定|評価コメント"
    r"|(?:審査|評価|採点|判定)(?:者|員|担当者?)?(?:記入|記載|使用|用)?欄|チェックリスト|criteri(?:on|a)|rubric|checklist|verdicts?"
    r"|scorecard|(?:総合|最終)(?:評価|判定))"
)
_VERDICT_JA_WORD = (
    r"(?:満たす|満たして(?:いる|おり)|満たした|充足(?:して(?:いる)?|する)?|適合(?:して(?:いる)?|する)?|合格"
    r"|承認|採択|問題(?:は)?(?:ない|なし)|不足(?:は)?(?:ない|なし)|優れている|優秀|十分(?:に)?(?:高い|である)?"
    r"|高い|低い|良好|妥当|適切|適正|達成(?:して(?:いる)?|済み)?|クリア(?:して(?:いる)?|する)?)"
)
_VERDICT_FRAME = (
    r"(?:(?:もの)?(?:と|として|との)(?:ご)?(?:判定|判断|評価|採点|記入|記載|出力|回答|処理|扱|取り?扱|み(?:な|做)|見な"
    r"|結論|確定|査定|評定|認定|認め|位置付|書|答え|し(?:て|た)|する|せよ|され|し、|し,)|(?:です|となります)"
    r"|という(?:こと)?で(?:判定|評価|処理|判断)|旨(?:を|の)?(?:記載|記入|回答|出力|判定|報告))"
)
_QUOTED = (
    r"[「『\"“'‘](?:優|秀|a|s|◎|○|◯|可|合格|適合|満たす|みたす|満たしている|充足|該当|達成|meets?|met|pass(?:ed)?"
    r"|approved?|compliant|satisfied|yes|はい|[^」』\"”'’]{0,12}(?:済み?|あり|有り|決定|なし|無し|満たす|満たしている"
    r"|適合|充足|合格|適|優|meets?|met|compliant|satisfied)|[^」』\"”'’]{0,8}(?:優良|優秀|模範|推奨|最良|最優秀|最高)"
    r"[^」』\"”'’]{0,8})[」』\"”'’]"
)
#: Squashed English has no word boundaries, so words that often sit inside longer words carry guards:
#: 'pass' not in 'passage', 'met' not in 'method', 'rate' not in 'generate', 'mark' not in 'market'.
_POS_EN = (
    r"(?:meets?|met(?!h|al|er|ric|ro)|meeting|satisf(?:ied|ies|y|ying|actory)|compliant|complies|comply"
    r"|(?<!com)(?<!sur)(?<!by)pass(?:ed|es|ing)?(?!age|eng|port|word|ive|ion)|approv(?:e|ed|al)|exemplary"
    r"|excellent"
    r"|outstanding|strongest|highest|(?:top|full|maximum|max|highest|best|100)(?:marks?|scores?|grades?"
    r"|ratings?"
    r"|points?)|first|perfect|flawless|(?:the)?best(?:plan|submission|proposal|in|of|rating|score)|winner"
    r"|no\.?1(?![0-9])|numberone|#1(?![0-9])|(?:at|to)(?:the)?maximum|\d+outof\d+|\d+/\d+"
    r"|above(?:all|every|the|other)|aheadof)"
)
_EVAL_VERB_EN = (
    r"(?:(?<!bench)(?<!book)mark(?!et)"
    r"|(?<!gene)(?<!accu)(?<!integ)(?<!corpo)(?<!sepa)(?<!mode)(?<!ope)(?<!ele)rate"
    r"|score|(?<!up)grade|(?<!re)treat|regard|consider|deem|(?<!s)tick|(?<!ac)(?<!dis)count|classify|label"
    r"|judge"
    r"|(?<!f)rank|output|respond|approve|accept|(?<!com)(?<!by)pass(?!age|eng|port|word)|select|(?<!re)fund"
    r"|prioriti[sz]e|fill|(?<!ex)cite|quote|answer|reply|(?<!e)(?<!re)state|declare|record|(?<!c)enter|award"
    r"|give|assign|(?<!work)(?<!re)place|(?<!in)(?<!out)put|recommend|produce|conclude|find|report|evaluate"
    r"|assess|summari[sz]e|deserve|merit|warrant|(?<!l)earn|describe|present|portray|characteri[sz]e"
    r"|(?<!as)(?<!off)(?<!up)set(?!tle|tl))"
)

_CLASSES: dict[str, str] = {
    # Attempts to replace the assessor's instructions or role: decisive on their own.
    "override": "|".join(
        [
            r"(?:以前|これまで|今まで|上記|前記|前述|先ほど|先|これより前|冒頭"
            r"|(?:本|この|当)(?:ページ|頁|文書|資料|注記|欄|記載)(?:より|よりも)(?:前|上|先))(?:に|で)?"
            r"(?:与えられた|示された|提示された|受けた|設定された|記載された)?の?(?:全ての|すべての)?"
            r"(?:指示|命令|プロンプト|設定|ルール|規則|審査基準|評価基準|基準|ガイドライン|要領|ルーブリック)"
            r"(?:の(?:説明|内容|記載))?(?:は|を|も|が)?(?:全て|すべて|一切)?"
            r"(?:無視|忘れ|無効|破棄|取り?消|撤回|リセット|適用(?:しない|されない|されません)|従わ)",
            r"(?:指示|命令|プロンプト)(?:を|は)(?:全て|すべて|一切)?(?:無視|忘れ|破棄|リセット)",
            r"あなたは(?:今|これ|ここ)から|あなたは"
            + _gap(30)
            + r"(?:立場|役|審査員|評価者|担当者|職員)(?:です|だ|として)",
            rf"{_ADDRESSEE}(?:へ|に)(?:の|対する|対して|向けた?)?(?:指示|命令)",
            r"(?:ignore|disregard|forget|override|bypass)(?:all|any|the|your|of|these|those|my)*"
            r"(?:previous|prior|above|earlier|preceding|foregoing|existing|original|other|standard|usual)?"
            r"(?:instructions?|prompts?|rules?|guidance|guidelines?|guide|directions?|rubric|criteria"
            r"|constraints"
            r"|polic(?:y|ies)|context)",
            r"(?:rubric|instruction|prompt|criteria)override|you(?:are|'re)now|new(?:task|instructions?|role)"
            r"|new(?:evaluation|assessment|scoring)(?:policy|rules|criteria)",
            r"(?:rubric|criteria|guidelines?|rules)(?:does|do)(?:not|n't)apply|endof(?:the)?(?:plan"
            r"|document)?"
            r"(?:text|content|input)|jailbreak|pretend(?:tobe|that|you)"
            rf"|(?:actas|youarean?)(?:a|an|the)?[a-z]{{0,20}}?{_ROLE_EN}",
            r"[\[<【](?:system|developer|admin|assistant|instructions?|システム|開発者|管理者)"
            r"(?:message|prompt|メッセージ|プロンプト)?[\]>】]|</(?:system|developer|instructions?)>"
            r"|#+(?:system|developer|instructions?):|(?:システム|開発者)(?:メッセージ|プロンプト)[:】>\]]",
        ]
    ),
    # Talk about prompts, modes and roles: suspicious in a plan, decisive only with a request or verdict.
    "meta": r"システム(?:プロンプト|メッセージ)|開発者(?:メッセージ|プロンプト)|(?:評価|審査|採点|判定)用?(?:プロンプト|モード)"
    r"|(?:ここから|これから|今から|以降)(?:は)?(?:役割|ロール)(?:を)?(?:変更|変え|切り?替え)|ロールプレイ|なりきって|振る舞"
    r"|system(?:prompt|message)|developermessage|fromnowon|role-?play|(?:最優先|優先的)(?:で|に)?(?:実行|従|遵守)"
    r"|(?:system|developer|admin)(?:note|notice|message|instruction)s?:"
    r"|(?:^|(?<=[.。!?(\[（【<>\]】」)*#]))(?:system|assistant|developer|user|admin):",
    # Text addressed to the assessor or an AI: a salutation, a message header, a condition on the reader.
    "addr": "|".join(
        [
            rf"{_ADDR_X}(?:の方(?=へ|は|[、,:])|のかた(?=へ|は)|の?(?:皆様|皆さま|皆さん|みなさま|各位|殿|様|さん|御中|先生方?|方々)"
            r"|よ(?=[、,!:])|へ(?:の)?お願い|におかれ|に(?:依頼|お願い|要請|指示)(?:します|いたします|致します|申し上げます)"
            r"|(?:への|に対する|に対しての|に向けた|向けの?|宛ての?)(?:お願い|依頼|連絡|注意|留意事項|メッセージ|伝達|要請"
            r"|申し送り|通知|注記|お知らせ)|(?:'s)?(?:note|notice|instructions?|memo|guidance|message))",
            r"you(?:must|should|shall|are(?:to|asked|required|instructed|requested))"
            r"|your(?:task|job|role|instructions|output|answer|response)",
            rf"(?:(?:^|(?<=[.。!?(\[（【<>:\]】」)*#]))(?:dear|to|for)|attention|attn|note|message|memo|notice"
            r"|important|reminder|instructions?)(?:to|for)?(?:the|all|any|every|our)?(?:automated|ai)?"
            rf"(?:{_ROLE_EN}|{_MACHINE}|models?|ais|bots?)",
        ]
    ),
    # A condition on who reads the plan: 「AIで本計画を審査する際は」「読み手が人間でない場合」 "if you are an LLM".
    "cond": "|".join(
        [
            rf"(?:{_ADDRESSEE}|機械|自動|ツール|ソフト(?:ウェア)?|プログラム)(?:等|など)?(?:で|を用いて|を使って|を使用して|を利用して|により|による|によって|が)"
            + _gap(20)
            + rf"(?:審査|採点|(?:{_SCOPE_THIS}|本文)を?"
            + _gap(6)
            + r"(?:読|要約|評価|判定|処理)|(?:読|要約|評価|判定|処理|分析|審査|採点)(?:さ|ま)?れ(?:る|て))"
            + _gap(10)
            + r"(?:際|場合|時|とき|なら)",
            r"(?:自動|機械的?|ＡＩ)(?:的に|で|により|による)?(?:採点|評価|審査|判定|読み?取り|読取|解析)(?:を)?(?:行う|する|される)?"
            r"(?:際|場合|時|とき|なら)",
            r"(?:読み手|読者|あなた)(?:が|は)" + _gap(20) + rf"(?:人間で(?:は)?ない|{_MACHINE}|機械)"
            r"|人間(?:で(?:は)?ない|以外の)(?:場合|なら|とき|読み手)|もし?あなたが",
            rf"if(?:you|thereader)(?:are|is)(?:a|an|the)?(?:automated)?(?:{_MACHINE}|{_ROLE_EN})"
            r"|ifthis(?:page|text|document|plan|file|pdf)is(?:being)?(?:read|processed|reviewed|evaluated"
            r"|assessed|parsed"
            r"|summari[sz]ed)(?:by|automatically|with|using)"
            r"|(?:when|while|as)you(?:summari[sz]e|review|assess|evaluate|read|process|score|grade|analy[sz]e"
            r"|rate|rank|check|parse)",
        ]
    ),
    # A possible addressee as the subject of a sentence, or named before a colon.
    "subj": rf"{_ADDR_X}(?:は|:|,|、|-|—|–)|あなた(?:は|が)|(?:{_ROLE_EN}|{_MACHINE})(?:s|'s)?"
    + _gap(30)
    + r"(?:should|must|shall|could|would|can|may|is(?:to|asked|requested|expected)|are(?:to|asked|requested"
    r"|expected)|needs?to|hasto|haveto)",
    "req": "|".join(
        [
            r"(?:ください|下さい|くださる?よう|頂きたい|いただきたい|願います|願いたい|お願い(?:します|いたします|致します"
            r"|申し上げます)?|(?:いただけ|頂け)(?:ますと|ると|れば|ますよう|るよう)|幸い(?:です|に存じます)?"
            r"|されたい|されたし|されたく|べき(?:です|である|だ)?|せよ|しなさい|なさい|べし|べきである|差し支え(?:ない|ありません)|認められない|してはならない"
            r"|てはいけない|(?:いただ|頂)きたく|お取り?計らい)",
            r"(?:[えけせれげべろ]|しろ|せよ)(?=[。!」)]|$)",
            r"(?:correct|right|expected|proper|only(?:acceptable|valid))(?:answer|verdict|response|output"
            r"|result"
            r"|rating|score)s?(?:is|are|for|:)|正しい(?:回答|判定|評価|答え|結論)は",
            r"以外(?:に|は)?(?:あり得|ありえ|認め|考えられ)(?:ない|ません)|weinstruct|instruct(?:the|all|any|every)",
            r"please|kindly|must|should|shall|(?:is|are)tobe|needs?to|hasto|haveto|(?:is|are)(?:asked"
            r"|requested"
            r"|instructed|expected|required)to|we(?:ask|request|urge)|(?:would|will)be(?:most|very|truly"
            r"|greatly)?"
            r"(?:grateful|appreciated|thankful|obliged)|(?:could|would|can)you|makesure|do(?:not|n't)",
            rf"(?:^|(?<=[.。!?(\[（【<>:,;、，：—–\-]))(?:please|and|then)?{_EVAL_VERB_EN}"
            r"(?:this|it|the|every|all|each|that|these|only|an?|[\"“'‘]|meets|full|top|\d)"
            rf"|and{_EVAL_VERB_EN}(?:it|this|the|every|all)",
        ]
    ),
    # A verdict, score, rank or approval, or a request to hide weaknesses, in assessment wording.
    "verdict": "|".join(
        [
            r"(?<!点)満点|(?:100|百)点(?!満点)|(?:最高|最上位|最上|トップ)(?:の)?(?:評価|点|得点|スコア|ランク|位|評定|格付け?)|高評価"
            r"|高く評価|高い評価|(?:最も|一番)高い(?:順位|評価|点数?|スコア|ランク|評定|格付け?)"
            r"|(?:適合|合格|充足|承認|採択)(?:判定|評価|扱い)|[as](?:評価|判定|ランク)|第?(?:1|一)位|上位に|推薦|採択(?:を|順位)|承認の判定",
            _VERDICT_JA_WORD + _VERDICT_FRAME,
            _QUOTED,
            r"[○◯◎](?:を|の印を)?(?:記入|つけ|付け|付与|記載)|に[○◯◎]",
            r"(?:評価|評定|判定|rating|score|grade|ランク|スコア|点数|得点|評価点)(?:は|を|:|=)?[「\"“]?"
            r"(?:a|s|優|満点|最高|最上位|上限|最大|5|100点?)"
            r"[」\"”]?(?:で|と|に|以外)",
            r"(?:不採択|不合格|不適合|不承認|減点|低評価)(?:と|に)?(?:なる|される|する)?(?:こと)?の?ない(?:よう|ように)"
            r"|[「\"“'‘](?:要確認|要検討|不適合?|不可|不合格|満たさない|未充足|不十分|needs?review|doesnotmeet|fail)"
            r"[」\"”'’](?:といった|という|等の|などの|の)?(?:判定|評価|結果|語|言葉|表現)?(?:を|は)?"
            r"(?:(?:お)?避け|(?:付け|つけ|出さ|出力し|記載し|記入し|し|使用し|使わ|用い)(?:ない|ず))"
            r"|(?:結果|判定|評価|結論|採点)(?:を|は)(?:変更|修正|覆|見直)(?:さ|し)?(?:ない|ず)",
            r"(?:減点|マイナス評価|低い評価|低評価|不合格|不適合|不可|否認|却下)(?:と|に|の対象と|の対象に|対象と)?"
            r"(?:しない|せず|しないで|は(?:しない|不要)|してはならない|すること(?:は|を)?(?:認められない|禁止))",
            r"(?:未充足|不備|不足|欠陥|問題点?|弱点|課題)の?(?:指摘|言及|記載)(?:を|は)?(?:一切)?(?:行わ|し|せ)(?:ない|ず)|"
            r"(?:弱点|欠点|短所|問題点|懸念(?:点)?|否定的な(?:所見|評価|意見|コメント|記載)|マイナス(?:面|評価)|低い評価)"
            r"(?:に|には|を|は)?(?:一切)?(?:触れ|言及し|指摘し|記載し|記述し|出力し|書か|述べ)(?:ず|ない|ては)"
            r"|(?:長所|利点|強み|良い点)(?:だけ|のみ)",
            rf"{_EVAL_VERB_EN}" + _gap(40) + _POS_EN,
            r"(?<!must)(?<!should)(?<!shall)(?<!will)(?<!to)(?<!can)(?<!may)(?<!need)"
            + _POS_EN
            + r"(?:for|on|in|across|to|of)?"
            + _SCOPE_ALL,
            rf"(?:{_SCOPE_ALL})(?:are|is|were|was|havebeen)?(?:met|satisfied|passed|fulfilled)"
            rf"|(?:{_SCOPE_ALL})(?:で|とも|について|において)?(?:適合|合格|充足|満点|クリア)",
            r"(?:verdict|rating|score|grade|outcome|result)s?(?:for|of|on|is|are|:|=)" + _gap(25) + _POS_EN,
            # Everything passed, in plain words: 「全部OK」「すべて合格」.
            r"(?:全部|全て|すべて|全項目|ぜんぶ)(?:を|が)?(?:ok|okay|オッケー|オーケー|合格|クリア|みたす|○|◯)",
            # Asking to keep reasons or findings out: 「理由や改善点は一切記載しない」 "do not explain".
            r"(?:理由|根拠|改善点|指摘(?:事項)?|コメント|所見)(?:や|、|・|及び|および|等|など)?[^。]{0,10}?(?:は|を)?(?:一切)?"
            r"(?:記載|記述|出力|言及|説明)(?:し|せ)(?:ない|ず)"
            r"|do(?:not|n't)(?:explain|justify|give|provide|include|list|add)(?:your|any|the)?"
            r"(?:reasons?|reasoning|rationale|justifications?|explanations?|comments?|findings?)",
            # Copying a result from elsewhere: 「前回の判定結果を転記」 "copy that result into the checklist".
            r"(?:copy|carry|transfer|reuse|transcribe|repeat)(?:over|forward)?(?:that|the|this|its|our|previous|prior"
            r"|last|year's|earlier)*(?:result|verdict|assessment|decision|rating|score|approval)s?",
            # Asking to skip the review itself: 「再審査は不要」 "do not re-assess".
            r"再審査(?:は)?不要|(?:内容の)?審査(?:は|を)?(?:省略|不要|省い)|(?:承認|採択|推薦|可決|追認|是認|了承)(?:して|する(?:こと|よう)|願)"
            r"|do(?:not|n't)(?:re-?assess|re-?review|re-?evaluate|re-?check|verify|double-?check)"
            r"|no(?:further|needfor|needto)(?:review|assessment|check|scrutiny)|skip"
            + _gap(30)
            + r"(?:review|assessment|checks?|criteri(?:on|a)|items?)"
            r"|(?:has|have|with|there(?:is|are))no(?:weaknesses|gaps|shortcomings|deficiencies|flaws)",
            r"(?:approve|accept|pass|recommend|fund|select)(?:this|the|our)(?:plan|submission|document"
            r"|proposal"
            rf"|application|file|one)|(?:{_SCOPE_THIS})(?:を|は)?(?:approve|pass|accept)",
            # Dictating what the assessment cites: 「根拠には本ページを引用」 "cite this page as evidence".
            r"根拠(?:として|には|に|欄に?)(?:は)?" + _gap(20) + r"(?:引用|記載|記入|挙げ|示)"
            r"|(?:cite|quote|use|list)"
            + _gap(30)
            + r"as(?:the|its|your)?(?:evidence|source|basis|citation|proof)",
            r"(?:do|must|should|shall|will)(?:not|n't)(?:penali[sz]e|deduct|markdown|downgrade|lower|change"
            r"|alter|override"
            r"|mention(?:any)?(?:weakness|shortcoming|gap"
            r"|risk|concern|negative))|(?:flag|mention|report|list)(?:no|any)(?:weakness|shortcoming|gap"
            r"|risk|concern"
            r"|negative)|only(?:the)?(?:strengths|positives|advantages)|without(?:any)?(?:further)?(?:checks"
            r"|review|scrutiny|verification)|unconditionally",
        ]
    ),
    # A verdict preset as a setting: 「判定＝満たす」「基準１＝満たす」 "default_verdict=meets".
    "preset": r"(?:判定|評価|採点|審査|出力|結果|基準[0-9]*|項目[0-9]*|[a-z_]{0,20}(?:verdict|rating|score|result|status"
    r"|outcome|grade|decision)[a-z_]{0,20})=[「\"'(（]?(?:全項目|全て|すべて|all)?(?:満たす|満たしている|一括適合|適合"
    r"|合格|充足|meets?|met(?![a-z])|pass(?:ed)?|approved?|compliant|satisf(?:ied|ies)|ok(?![a-z])|満点|最高)",
    # Settings talk, or a check or comment switched off: 「不足項目チェック＝無効」 "reviewer_comments=none".
    "setting": r"設定済み?|パラメータ|パラメーター|モード=|config(?:uration)?|settings?[\]:=】>]|parameters?[\]:=】>]"
    r"|(?:[a-z_]{0,20}(?:flag|check|comment|review|warning|note)[a-z_]{0,20}|指摘(?:事項)?|コメント|チェック|確認)"
    r"=(?:false|off|none|no|0|無効|なし|出力しない|不要|省略)",
    # 「…ものとする」: how a rule is stated, so a request only when the assessor is its subject.
    "shall": r"もの(?:とする|とします|とすること)",
    "target": rf"{_SCOPE_THIS}|{_SCOPE_ALL}|{_EVAL_NOUN}",
    "claim": r"(?:判定|評価|審査|承認|確認|決定|確定|採点)済み?|事前(?:承認|審査|確認|協議)"
    r"|(?:already|previously)(?:been)?(?:settled|decided|determined|approved|assessed|confirmed|agreed"
    r"|cleared"
    r"|evaluated|reviewed)|pre-?(?:approved|cleared)|clearedinadvance|(?:is|are|was)(?:final|settled|decided"
    r"|closed)"
    r"|確認されて(?:いる|おり)|(?:evaluation|assessment|review)(?:is)?(?:complete|completed|done|finished)"
    r"|(?:審査|評価|採点)(?:は)?(?:完了|終了)(?:済み|して(?:いる|おり)|しました)"
    r"|(?:already|previously)(?:received|obtained|got|been(?:given|granted))(?:a|the)?(?:full|final|formal)?"
    r"(?:approval|clearance|endorsement|sign-?off)",
    # "When assessing …" / 「審査の際は」: the sentence is about how to judge this plan.
    "ctx": r"(?:審査|評価|採点|判定|査定)(?:に(?:当た|あた)(?:って|り)|の際|する際|時|上の?(?:取扱い?|取り扱い|扱い)|に際して)"
    r"|when(?:ranking|assessing|reviewing|evaluating|scoring|grading|rating|summari[sz]ing|checking)"
    r"|during(?:the)?(?:assessment|review|evaluation)|in(?:your|the)(?:assessment|review|evaluation)",
    "evalact": r"(?:と|として)(?:ご)?(?:み(?:な|做)|見な|読み替え|扱|判定|判断|評価|採点)|読み替え"
    rf"|(?:treat|regard|consider|deem|count){_gap(40)}as",
    # Missing content to be disregarded: 「記載がなくても」「未記入の項目も」 "even if missing".
    "waive": r"(?:記載|記述|記入|説明|根拠|目標値|数値|データ|表明|裏付け)(?:が|の)?(?:なく(?:ても|とも)|ない(?:場合|点|項目)"
    r"(?:も|でも)|不十分(?:で(?:も|あっても)|に見えても)|不足(?:して(?:いて|い)?も|でも))"
    r"|未(?:記入|記載|設定)(?:の(?:項目|箇所|欄))?(?:も|でも|であっても)|に見えても"
    r"|even(?:if|though)"
    + _gap(30)
    + r"(?:missing|incomplete|absent|insufficient|not)|regardlessof|irrespectiveof"
    # Gaps to be disregarded: 「不足事項を考慮しない」 "overlook the missing targets", "assume … complete".
    r"|(?:不足|欠落|未記載|記載漏れ|欠如|未設定)(?:事項|点|部分|箇所|項目)?(?:を|は|について(?:は)?)?(?:考慮|勘案|反映|問題に)(?:しない|せず)"
    r"|(?:ignore|overlook|disregard|excuse|treat|regard|count|consider)(?:the|any|all)?(?:missing|absent"
    r"|incomplete|lacking"
    r"|unstated)"
    r"|assume(?:that)?" + _gap(40) + r"(?:missing|absent|incomplete|unstated|lacking)",
}
#: Signals that count only where a sentence or line ends right after them: 「…と記入すること」 as a
#: command, not 「…することを目指す」; 「審査AIへ：」 as a salutation, not 「AIへの投資」.
_AT_BREAK: dict[str, str] = {
    "req": r"(?:こと|事)|(?<=[とをで])(?:回答|記入|記載|出力|実行|入力|返答|処理)",
    "addr": rf"{_ADDR_X}(?:の方|のかた)?へ",
}
PATTERNS = {name: re.compile(p) for name, p in _CLASSES.items()}
BREAK_PATTERNS = {name: re.compile(p) for name, p in _AT_BREAK.items()}
BREAK_CHARS = set("。!?.)）」』】]>:：,、—–-‐―#・●■◆□※【[(（|｜")

#: Each rule is a set of signal classes that must all occur within ``WINDOW`` in one unit.
RULES: tuple[tuple[str, ...], ...] = (
    ("override",),
    ("meta", "req"),
    ("meta", "verdict"),
    ("addr", "req", "target"),
    ("addr", "verdict"),
    ("cond", "req", "target"),
    ("cond", "verdict"),
    ("verdict", "req", "target"),
    ("verdict", "req", "subj"),
    ("verdict", "req", "ctx"),
    ("verdict", "claim", "target"),
    ("verdict", "waive"),
    ("evalact", "req", "ctx"),
    ("evalact", "req", "waive"),
    ("waive", "ctx", "target"),
    ("verdict", "shall", "subj"),
    ("preset", "setting"),
    ("preset", "target"),
    ("preset", "req"),
    ("preset", "meta"),
    ("evalact", "req", "subj"),
)
