// The ordered rule table of the seniority classifier. The rule language is described in seniority-matcher.ts;
// the levels chosen for ambiguous families (partners, boards, counsel, head of, chief of staff, the Nordic
// -chef/-sjef/-leder compounds …) are explained in docs/seniority.md and pinned in
// test/fixtures/seniority-titles.json.
//
// Order matters: a rule that matches consumes its tokens, so a later, shorter rule cannot reuse them
// ("vice president" is VP before "president" could be C-Level; "hallituksen puheenjohtaja" is the chair
// of the board before "puheenjohtaja" alone could be a chair). Rules with a null level only consume.
// Families are written as rules over word families and compound endings (~leiter, ~direktor, ~chef,
// ~johtaja, ~harjoittelija …), never as single titles.
import { rule, type Rule } from './seniority-matcher.js';

const CXO = 'ceo|cto|cfo|coo|cmo|cro|cio|ciso|cpo|chro|cco|cdo|cso|cao|cbo|clo|cgo|cno|cxo|cdao|caio';
// Chief executive abbreviations: VD (sv: verkställande direktör; VD:n is the definite form), DGA (nl:
// directeur-grootaandeelhouder). vVD (sv: vice VD, the deputy managing director) is read on its own only.
const CEO_ABBREVIATIONS = 'vd|vdn|dga';
export const PREPOSITIONS =
  'of|to|for|de|du|des|del|della|dello|dei|degli|delle|di|da|do|dos|das|der|den|vom|von|van|voor|al|au|aux|ao|af|dla|per';
const ASSISTANT =
  'assistant|assistants|assistente|asistente|assistante|assistent|assistentin|secretary|secretaria|secretario|secretaire|sekretar|sekretarin|sekretaerin|ea|pa';
const DIRECTOR_WORDS =
  'director|directors|directora|directoras|directeur|directrice|diretor|diretora|direttore|direttrice|direktor|direktorin|dyrektor|dyrektorka|dir';
const PRESIDENT_WORDS = 'president|presidente|presidenta|presidentessa|prasident|praesident|prasidentin|praesidentin';
const GENERAL = 'general|generale|generala|geral|generalny|generalna|ejecutivo|ejecutiva|executivo|executiva';
const CHAIR_WORDS = 'chair|chairs|voorzitter|ordforande|formand|puheenjohtaja|przewodniczacy|przewodniczaca';
const BOARD_OBJECT = 'board|bestuur|raad|rvb|rvc|rvt|directie|zarzadu|rady|styrelsen|cda|consiglio';

export const RULES: readonly Rule[] = [
  // --- 1. Words that are not the person's own role: consume them first. -----------------------------------
  // "Aspiring Product Manager" is looking for the role. (Past roles — former, ex-, retired … — are taken out
  // before the rules run, in seniority.ts.)
  rule('aspiring ..', null),
  // "Executive Assistant to the CEO", "Asistente del Director General", "Asystentka Prezesa Zarządu": the
  // rest of the segment names the boss. The assistant role itself is evidence of Individual.
  rule(`${ASSISTANT} ${PREPOSITIONS}|a ...`, 'Individual'),
  rule('asystent|asystentka|sekretarka ...', 'Individual'),
  // Compounds: Vorstandsassistent, Geschäftsführungsassistenz, directiesecretaresse, johdon assistentti.
  rule('~assistent|~assistentin|~assistenz|~assistentti|~sekretarin|~sekretaerin|~secretaresse|~referent|~referentin', 'Individual'),
  // "CEO Office", "CFO Assistant", "VD:s assistent": a team around an executive, not the executive.
  rule(`${CXO}|${CEO_ABBREVIATIONS}|vds office|assistant|assistants|assistent|staff|stab`, null),
  rule('vds', null), // Swedish genitive "VD:s …" (the CEO's …)
  // "Product Owner" is an agile role; "Owner" alone is the owner of the business. Consumed without a level:
  // it says the person is no owner, not how senior they are (a provider hint may still say Senior).
  rule(
    'product|process|service|data|system|systems|application|budget|account|content|platform|feature|risk|control|asset|solution|release|backlog owner|owners',
    null,
  ),
  // "Partner Manager", "Partner Marketing Lead", "Channel Partner Account Executive": partner is a modifier.
  rule(
    'partner|partners >manager|managers|marketing|success|account|accounts|sales|program|programs|programme|solutions|development|enablement|operations|ecosystem|relations|alliances|specialist|engineer|technology|integrations|support|network|management|executive|representative|lead|onboarding|experience|strategy|director|channel|ecosystems',
    null,
  ),
  // A limited partner is an investor in a fund, not a partner of the firm.
  rule('limited partner|partners', null),
  // "Internship Coordinator", "Student Advisor", "Intern Recruiter": the interns are the object of the job.
  rule(
    'intern|interns|internship|internships|student|students|trainee|trainees|graduate|graduates|apprentice|apprentices >coordinator|coordinators|recruiter|recruiting|recruitment|program|programs|programme|programmes|manager|advisor|adviser|counselor|counsellor|services|success|affairs|mentor|supervisor|specialist|liaison|relations|development|engagement|experience|officer|administrator|lead|teacher|partner|partnerships|housing',
    null,
  ),
  // "Graduate Trainee", "Junior Intern": the modifier does not lift an intern to Individual.
  rule('graduate|junior|jr >intern|interns|internship|trainee|trainees|student|students|apprentice', null),
  // "Lead Generation Specialist": lead is the sales noun here, not a seniority.
  rule('lead|leads >generation|gen|qualification|nurturing|routing|scoring|management|development|conversion', null),
  rule('thought leader|leaders', null),
  rule('head hunter|hunters', null),
  rule('advisory board|council', null),
  rule('board of advisors|advisers', null),
  // "Ad Operations Manager", "AD Administrator", "Sistemista AD": AD is the Italian chief executive only on
  // its own; so is vVD (VVD is also a Dutch party).
  rule('^ ad|vvd $', 'C-Level'),
  rule('ad', null),
  // "Chef" alone is a cook; French "chef de …" and the Nordic compounds (Salgschef, IT-chef) are below.
  rule('chef de|du|des|d', 'Manager'),
  rule('it|hr|pr|ikt|ict|qa|ux|bi chef|sjef', 'Director'),
  rule('chef|chefs', null),

  // --- 2. Phrases that span a preposition: before the generic preposition rule below. ------------------
  rule('chief of staff', 'Director'),
  rule('editor|editors in chief', 'Director'),
  rule('of counsel', 'Senior'),
  rule(`chairman|chairwoman|chairperson|${CHAIR_WORDS} of|van|i|del? the|de? ${BOARD_OBJECT} ..`, 'C-Level'),
  rule(`${CHAIR_WORDS} ${BOARD_OBJECT} ..`, 'C-Level'),
  // Finnish puts the board first, in the genitive: hallituksen puheenjohtaja / jäsen / varajäsen.
  rule('hallituksen puheenjohtaja|varapuheenjohtaja', 'C-Level'),
  rule('hallituksen jasen|varajasen', 'Director'),
  rule('styrets leder|formann', 'C-Level'),
  // "Member of the Executive Board" is the German Vorstand in English; a (supervisory) board seat is not
  // the executive line. Dutch Raad van Bestuur = executive board, Raad van Commissarissen = supervisory.
  rule('member|members of the? executive|management board|committee', 'C-Level'),
  rule('member|members of the? supervisory? board', 'Director'),
  rule('board|boards of directors|trustees|governors|regents', 'Director'),
  rule('lid|leden van? de? raad van bestuur', 'C-Level'),
  rule('lid|leden van? de? rvb|directie|hoofddirectie', 'C-Level'),
  rule('lid|leden van? de? raad van commissarissen|toezicht', 'Director'),
  rule('lid|leden van? de? rvc|rvt', 'Director'),
  rule('mitglied|mitglieder der|des geschaftsleitung|geschaeftsleitung|geschaftsfuhrung|geschaeftsfuehrung|vorstand~', 'C-Level'),
  rule('czlonek|czlonkini|czlonkowie zarzadu', 'C-Level'),
  rule('czlonek|czlonkini|czlonkowie rady nadzorczej', 'Director'),
  rule('consigliere|consigliera|membro|componente del? consiglio di amministrazione', 'Director'),
  rule('consigliere|consigliera|membro|componente del? cda', 'Director'),
  rule('zastepca|zastepczyni prezesa', 'C-Level'),
  rule('zastepca|zastepczyni dyrektora', 'Director'),
  rule('kierownik|kierowniczka dzialu|departamentu|pionu|wydzialu', 'Director'),
  rule('kierownik|kierowniczka|szef|szefowa|lider|liderka zespolu|projektu|zmiany|grupy', 'Manager'),
  // Chief … Officer, with up to four words between (Chief Information Security Officer,
  // Chief Product and Technology Officer).
  rule('chief * officer', 'C-Level'),
  rule('chief * * officer', 'C-Level'),
  rule('chief * * * officer', 'C-Level'),
  rule('chief * * * * officer', 'C-Level'),

  // --- 3. After a preposition comes the object of the role, not the role ("Head of Sales",
  //        "Office of the CEO", "Jefe de Ventas", "Specjalista ds. sprzedaży" — Polish ds. is read as do): consume it up to the next
  //        conjunction.
  rule(`${PREPOSITIONS} ..`, null),

  // --- 4. C-Level. ---------------------------------------------------------------------------------------
  // Vice presidents first, so "president" below never sees them.
  rule('vice|vize president|presidente|presidenta|pres|prasident|praesident', 'VP'),
  rule('vicepresident|vicepresidente|vicepresidenta|vizeprasident|vizepraesident|vizeprasidentin|vizepraesidentin', 'VP'),
  rule('wiceprezes|wiceprezeska', 'VP'),
  rule('chief executive|exec', 'C-Level'),
  rule(`${CXO}|${CEO_ABBREVIATIONS}`, 'C-Level'),
  rule('c level|suite', 'C-Level'),
  rule(`${PRESIDENT_WORDS}|prezes|prezeska`, 'C-Level'),
  rule('pdg|dg', 'C-Level'), // président-directeur général / directeur général
  // Chief executives by their local title: verkställande direktör (sv), administrerende / adm. direktør
  // (no, da), daglig leder (no, the legal term), toimitusjohtaja and pääjohtaja (fi), koncernchef /
  // konsernsjef (group CEO), amministratore delegato / unico (it), dyrektor zarządzający (pl).
  rule('verkstallande direktor|dir', 'C-Level'),
  rule('administrerende|adm direktor|direktoer|dir', 'C-Level'),
  rule('daglig|dagleg leder|leiar', 'C-Level'),
  rule('toimitusjohtaja|varatoimitusjohtaja|paajohtaja|konsernijohtaja|koncernchef|konsernsjef|konsernleder', 'C-Level'),
  rule('founder|cofounder|fundador|fundadora|cofundador|cofundadora|fondateur|fondatrice|cofondateur|cofondatrice|fondatore|cofondatore|oprichter|medeoprichter', 'C-Level'),
  rule('grunder|gruender|grunderin|gruenderin|mitgrunder|mitgruender|mitgrunderin|mitgruenderin|grundare|medgrundare|grundlaegger|medgrundlaegger|grunnlegger|medgrunnlegger|stifter|medstifter|perustaja|zalozyciel|zalozycielka|wspolzalozyciel|wspolzalozycielka', 'C-Level'),
  rule('founding|managing|general|beherend|beherende partner|partners|vennoot', 'C-Level'),
  rule('owner|owners|coowner|proprietor|proprietaire|propietario|propietaria|proprietario|proprietaria|dueno|duena|eigenaar|eigenaresse|medeeigenaar|grootaandeelhouder|titolare', 'C-Level'),
  rule('inhaber|inhaberin|eigentumer|eigentuemer|eigentumerin|eigentuemerin|agare|innehavare|eier|medeier|innehaver|ejer|medejer|indehaver|medindehaver|omistaja|wlasciciel|wlascicielka|wspolwlasciciel|wspolwlascicielka', 'C-Level'),
  rule('managing director|directors|partner|partners|member', 'C-Level'),
  rule('partner|partnerka|wspolnik zarzadzajacy|zarzadzajaca', 'C-Level'),
  rule('dyrektor|dyrektorka zarzadzajacy|zarzadzajaca', 'C-Level'),
  rule('socio|socia|associe|associee amministratore|amministratrice|gerente|gerant|director|directora|diretor|diretora|accomandatario', 'C-Level'),
  rule('chairman|chairwoman|chairperson|chairmen', 'C-Level'),
  rule('board|executive|nonexecutive|independent|vice|deputy chair|chairs', 'C-Level'),
  rule('styrelseordforande|styreleder|styreformann|bestyrelsesformand|bestuursvoorzitter', 'C-Level'),
  rule(`${DIRECTOR_WORDS} ${GENERAL}`, 'C-Level'),
  rule('generaldirektor|generaldirektorin|generaldirektoer', 'C-Level'),
  rule('algemeen directeur', 'C-Level'),
  rule('statutair|statutaire directeur|bestuurder', 'C-Level'),
  rule('bestuurder|bestuurders|direktionsmedlem', 'C-Level'),
  rule('gerente general|geral', 'C-Level'),
  rule('consejero|consejera delegado|delegada', 'C-Level'),
  rule('amministratore|amministratrice delegato|delegata|unico|unica', 'C-Level'),
  rule('consigliere|consigliera delegato|delegata', 'C-Level'),
  // Geschäftsführer(in), geschäftsführend, Geschäftsleitung; Vorstand(svorsitzender), Finanzvorstand.
  rule('geschaftsfuhr~|geschaeftsfuehr~|geschaftsleit~|geschaeftsleit~', 'C-Level'),
  rule('vorstand~|~vorstand|~vorsitzender|~vorsitzende', 'C-Level'),

  // --- 5. VP. ---------------------------------------------------------------------------------------------
  rule('vp|vps|svp|evp|avp|gvp|rvp|cvp|vpe', 'VP'),
  // The chief legal officer by another name; deputies and associates are a level below.
  rule('deputy|associate|assistant general counsel', 'Director'),
  rule('general counsel', 'VP'),

  // --- 6. Director. ---------------------------------------------------------------------------------------
  rule('general manager|managers', 'Director'),
  rule('gm', 'Director'),
  rule('board member|members|director|directors', 'Director'),
  rule('ned|neds|ined|ineds|nxd', 'Director'), // (independent) non-executive director
  rule('trustee|trustees|commissaris|commissarissen|bestuurslid|bestuursleden', 'Director'),
  rule('styrelseledamot|styrelsemedlem|ledamot|styremedlem|bestyrelsesmedlem', 'Director'),
  rule('consigliere|consigliera', 'Director'),
  rule(CHAIR_WORDS, 'Director'), // Department Chair, Voorzitter, Ordförande, Puheenjohtaja without a board
  rule('vicevoorzitter|naestformand|nestleder', 'Director'),
  rule('chief', 'Director'), // Chief Engineer, Chief Architect
  rule(DIRECTOR_WORDS, 'Director'),
  rule('subdirector|subdirectora|subdiretor|subdiretora|dirigente|vicedirettore|vicedirettrice|condirettore', 'Director'),
  // Compounds naming the function: Finanzdirektor, ekonomidirektör, salgsdirektør, regiodirecteur.
  rule('~direktor|~direktorin|~direktoer|~directeur', 'Director'),
  rule('head|heads|hoofd|~hoofd', 'Director'),
  rule('partner|partners|partnerka|socio|socia|associe|associee|gesellschafter|gesellschafterin|vennoot|delagare|osakas|wspolnik|wspolniczka', 'Director'),
  rule('prokurist|prokuristin|prokurent|prokurentka', 'Director'),
  rule('aufsichtsrat~', 'Director'),
  rule('glowny|glowna ksiegowy|ksiegowa', 'Director'), // chief accountant
  rule('szef|szefowa', 'Director'),
  // Italian capo: a crew, shift, site or project head manages people (Manager); capo reparto / dipartimento
  // and capo alone head a function (Director).
  rule('capo|capi squadra|progetto|turno|cantiere|area|ufficio|team|gruppo|commessa|zona', 'Manager'),
  rule('caposquadra|capoprogetto|capoturno|capocantiere|capoarea|capoufficio|capogruppo|capocommessa|capozona', 'Manager'),
  rule('capo|capi|caporeparto|capodipartimento|caposettore', 'Director'),
  // German -leiter and Nordic -leder / -chef / -sjef, Finnish -päällikkö / -johtaja: team, group, project,
  // shift, shop and site leads manage people (Manager); the other compounds (Abteilungs-, Vertriebs-,
  // avdelings-, salgs-, økonomi-, myynti- …) head a function or department (Director). "Begleiter" is a
  // companion, "työnjohtaja" a foreman.
  rule('~begleiter|~begleiterin', null),
  rule('teamleit~|gruppenleit~|projektleit~|schichtleit~|bauleit~|filialleit~|teamleider|teamleidster', 'Manager'),
  rule('team|group|squad|shift lead|leads|leader|leaders|leiter|leiterin', 'Manager'),
  rule('~leiter|~leiterin|~leitung', 'Director'),
  rule('teamleder|prosjektleder|projektleder|gruppeleder|skiftleder|butikkleder|butiksleder|fagleder|leder|ledere', 'Manager'),
  rule('~leder', 'Director'),
  rule('ledare|~ledare', 'Manager'), // Swedish: projektledare, teamledare, gruppledare
  rule('gruppchef|gruppechef|teamchef|enhetschef|butikschef|kontorschef|kontorchef|skiftchef|projektchef|platschef|restaurangchef|filialchef|lagerchef', 'Manager'),
  rule('butikksjef|prosjektsjef|teamsjef|skiftsjef|lagersjef|kontorsjef|gruppesjef', 'Manager'),
  rule('~chef|chef~|~sjef', 'Director'),
  rule('tyonjohtaja|tiiminjohtaja|tiiminvetaja|ryhmanvetaja|esimies|esihenkilo|lahiesimies', 'Manager'),
  rule('tiimin|ryhman vetaja', 'Manager'),
  rule('osastopaallikko|yksikonpaallikko', 'Director'),
  rule('~paallikko', 'Manager'),
  rule('~johtaja', 'Director'),

  // --- 7. Manager. ----------------------------------------------------------------------------------------
  rule('manager|managers|managerin|mgr|mngr|gerente|gerentes|gestor|gestora|gerant|gerante|menedzer|menadzer|menedzerka|menadzerka', 'Manager'),
  // Dutch and Scandinavian compounds: accountmanager, salesmanager, projectmanager.
  rule('~manager', 'Manager'),
  rule('responsable|responsables|responsabile|jefe|jefa|encargado|encargada|kierownik|kierowniczka|leidinggevende', 'Manager'),
  rule('supervisor|supervisora|supervisors|superviseur|superviseure', 'Manager'),
  rule('leider|leiders', 'Senior'), // Dutch "leader", like English
  rule('~leider', 'Manager'), // bedrijfsleider, projectleider, filiaalleider

  // --- 8. Senior. -----------------------------------------------------------------------------------------
  rule('junior|jr legal|corporate? counsel', 'Individual'),
  rule('counsel|counsels', 'Senior'), // law-firm counsel, in-house counsel, Queen's Counsel
  rule('senior|sr|snr|seniors|starszy|starsza|vanhempi|johtava', 'Senior'),
  rule('senioren~|seniority', null), // German Seniorenbetreuer cares for the elderly
  rule('senior~', 'Senior'), // Nordic compounds: seniorkonsulent, seniorrådgiver
  rule('principal|principals|distinguished', 'Senior'),
  rule('lead|leads|leader|leaders|lider|liderka', 'Senior'),
  // "Staff Engineer" is a senior IC level; "Staff Accountant" / "Staff Nurse" are not.
  rule(
    'staff >software|engineer|engineers|engineering|developer|scientist|data|machine|ml|designer|product|architect|researcher|research|security|site|backend|frontend|full|fullstack|platform|infrastructure|sre|devops|ux|ui|applied|hardware|systems|firmware|mobile|ios|android|cloud|network|quality',
    'Senior',
  ),

  // --- 9. Individual keywords (evidence of a junior level, not just "no keyword"). -------------------------
  rule('junior|jr|jnr|juniors|mlodszy|mlodsza|medior|nuorempi', 'Individual'),
  rule('junior~', 'Individual'), // juniorkonsulent
  rule('entry level', 'Individual'),
  rule('graduate', 'Individual'),

  // --- 10. Intern. ----------------------------------------------------------------------------------------
  rule('intern|interns|internship|internships|trainee|trainees|apprentice|apprenticeship|student|students|studentka', 'Intern'),
  rule('co op|coop', 'Intern'),
  rule('praktikant|praktikantin|praktikum|werkstudent|werkstudentin|auszubildender|auszubildende|azubi|~praktikant', 'Intern'),
  rule('volontar|volontaer|volontarin|volontaerin', 'Intern'),
  rule('stagiaire|stagiaires|alternant|alternante|apprenti|apprentie|stagiair|~stagiair|afstudeerder|leerling', 'Intern'),
  rule('becario|becaria|pasante|practicante', 'Intern'),
  rule('estagiario|estagiaria|aprendiz', 'Intern'),
  rule('stagista|stagisti|tirocinante|apprendista|praticante|studente|studentessa', 'Intern'),
  rule('laerling|laerlinger|larling|elev|studerende|studentermedhjaelper', 'Intern'),
  rule('~harjoittelija|opiskelija|oppisopimusopiskelija', 'Intern'),
  rule('stazysta|stazystka|praktykant|praktykantka', 'Intern'),
];
