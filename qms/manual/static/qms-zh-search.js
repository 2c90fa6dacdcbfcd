/* qms: Sphinx 9.0's Chinese search data ends with `window.Stemmer = ChineseStemmer;` but
   defines only EnglishStemmer (for the Latin words in Chinese pages). Until Sphinx defines it,
   ChineseStemmer is the English one, as the search index built in Python expects. */
if (typeof window.ChineseStemmer === "undefined") {
  window.ChineseStemmer = function () { return new EnglishStemmer(); };
}
