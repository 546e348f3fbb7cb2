<?php
// The app the contract run deploys: Scalingo's PHP buildpack recognises a root index.php.
echo "scalingo.cloud contract run\n";
