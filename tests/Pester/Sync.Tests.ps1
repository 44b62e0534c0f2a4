# Sync-BronzeFolder and Compare-BronzeFolder as a user runs them, on the local disk, the S3 server and
# Azurite; requests counted through the fault proxy (faults off); objects written by aws-cli and rclone;
# four processes splitting one sync with -Shard.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $env:MEDALLIONFOUNDRY_HASH_CACHE = New-TestFolder 'hash-cache' # not the user's own cache

    Import-ModuleSdk AWSSDK.Core, AWSSDK.S3
    $script:Bucket = "mf-sync-$([guid]::NewGuid().ToString('N').Substring(0, 12))"
    $s3Config = [Amazon.S3.AmazonS3Config]@{ ServiceURL = (Get-RequiredTestVariable 'MF_TEST_S3_ENDPOINT'); ForcePathStyle = $true; AuthenticationRegion = 'us-east-1' }
    $client = [Amazon.S3.AmazonS3Client]::new([Amazon.Runtime.BasicAWSCredentials]::new($env:MF_TEST_S3_ACCESS_KEY, $env:MF_TEST_S3_SECRET_KEY), $s3Config)
    try { $null = $client.PutBucketAsync($script:Bucket).GetAwaiter().GetResult() } finally { $client.Dispose() }
    $script:Container = "mf-sync-$([guid]::NewGuid().ToString('N').Substring(0, 12))"
    $script:LocalStore = New-TestFolder 'sync-store'
    $null = Get-RequiredTestVariable 'MF_TEST_AZURE_CONNECTION_STRING'

    # The command that connects $Backend (at $Url, the server's or the proxy's) under $Prefix.
    function Get-ConnectCommand([string] $Backend, [string] $Prefix, [string] $Url) {
        switch ($Backend) {
            'Local' { "Connect-BronzeStorage -Backend Local -Path '$(Join-Path $script:LocalStore $Prefix)'" }
            'S3' {
                if (-not $Url) { $Url = $env:MF_TEST_S3_ENDPOINT }
                "Connect-BronzeStorage -Backend S3 -Bucket '$script:Bucket' -Prefix '$Prefix' -EndpointUrl '$Url' -Credential ([pscredential]::new(`$env:MF_TEST_S3_ACCESS_KEY, (ConvertTo-SecureString `$env:MF_TEST_S3_SECRET_KEY -AsPlainText -Force)))"
            }
            'Azure' {
                if (-not $Url) { $Url = $env:MF_TEST_AZURE_BLOB_ENDPOINT }
                "Connect-BronzeStorage -Backend Azure -Container '$script:Container' -Prefix '$Prefix' -ConnectionString (`$env:MF_TEST_AZURE_CONNECTION_STRING -replace 'BlobEndpoint=[^;]+', 'BlobEndpoint=$Url') -CreateContainer"
            }
        }
    }

    function New-Tree([string] $Root, [int] $Count, [int] $Size = 2000) {
        1..$Count | ForEach-Object { New-TestFile (Join-Path $Root "dt=2025-01-0$($_ % 3 + 1)/part-$_.csv") -Size ($Size + $_) -Seed $_ } | Out-Null
        # Written before the upload, as an extract is (same-second server times must not look older).
        Get-ChildItem $Root -Recurse -File | ForEach-Object { $_.LastWriteTimeUtc = [DateTime]::UtcNow.AddHours(-1) }
    }

    function Get-Tree([string] $Root) {
        $map = @{}
        foreach ($f in Get-ChildItem $Root -Recurse -File -Force) { $map[[IO.Path]::GetRelativePath($Root, $f.FullName).Replace('\', '/')] = (Get-FileHash $f.FullName).Hash }
        $map
    }

    function Get-Requests($Proxy) { [int](($Proxy.Stats()) -replace '^stats requests=(\d+).*$', '$1') }
}

AfterAll {
    Disconnect-BronzeStorage -All -ErrorAction SilentlyContinue
    Remove-Item Env:MEDALLIONFOUNDRY_HASH_CACHE -ErrorAction SilentlyContinue
}

Describe 'Sync-BronzeFolder on <_>' -ForEach @('Local', 'S3', 'Azure') {
    BeforeAll {
        $script:backend = $_
        $script:target = switch ($backend) { 'S3' { $env:MF_TEST_S3_ENDPOINT } 'Azure' { $env:MF_TEST_AZURE_BLOB_ENDPOINT } default { $null } }
    }
    BeforeEach {
        $script:prefix = "sync-$([guid]::NewGuid().ToString('N').Substring(0, 10))"
        $script:src = New-TestFolder 'sync-src'
        Invoke-Expression (Get-ConnectCommand $backend $prefix)
    }
    AfterEach { Disconnect-BronzeStorage -All -ErrorAction SilentlyContinue }

    It 'uploads everything first; a re-sync transfers nothing and sends no request per file' {
        New-Tree $src 40
        $first = Sync-BronzeFolder $src 'land/'
        $first.Uploaded | Should -Be 40
        $first.Failed | Should -Be 0
        @(Get-BronzeFileList 'land/').Count | Should -Be 40

        if ($backend -eq 'Local') {
            $times = Get-BronzeFileList 'land/' | ForEach-Object LastModified
            $again = Sync-BronzeFolder $src 'land/'
            (Get-BronzeFileList 'land/' | ForEach-Object LastModified) | Should -Be $times # nothing rewritten
        }
        else {
            $proxy = Start-FaultProxy $target
            try {
                Disconnect-BronzeStorage -All
                Invoke-Expression (Get-ConnectCommand $backend $prefix $proxy.Url)
                $before = Get-Requests $proxy
                $again = Sync-BronzeFolder $src 'land/'
                $requests = (Get-Requests $proxy) - $before
            }
            finally { $proxy.Stop() }
            $requests | Should -Be 1 # one listing page for 40 files; no HEAD, GET or PUT per file
        }
        $again.Uploaded | Should -Be 0
        $again.Skipped | Should -Be 40
        $again.Bytes | Should -Be 0
    }

    It 'finds a same-size edit whose time was set back by hash, and says SizeAndTime misses it' {
        New-Tree $src 3
        Sync-BronzeFolder $src 'e/' | Out-Null
        $file = Get-ChildItem $src -Recurse -File | Select-Object -First 1
        $time = $file.LastWriteTimeUtc
        $bytes = [IO.File]::ReadAllBytes($file.FullName); $bytes[5] = $bytes[5] -bxor 0xFF; [IO.File]::WriteAllBytes($file.FullName, $bytes)
        $file.LastWriteTimeUtc = $time

        (Sync-BronzeFolder $src 'e/' -Compare SizeAndTime -WhatIf -PassThru | Where-Object Action -eq 'Upload') | Should -BeNullOrEmpty
        $actions = Sync-BronzeFolder $src 'e/' -PassThru
        $changed = @($actions | Where-Object Action -eq 'Upload')
        $changed.Count | Should -Be 1
        $changed[0].Reason | Should -Be 'Changed'
        $changed[0].Result | Should -Be 'Done'
        $changed[0].Path | Should -Be ([IO.Path]::GetRelativePath($src, $file.FullName).Replace('\', '/'))
        Compare-BronzeFolder $src 'e/' -Quiet | Should -BeTrue
    }

    It 'deletes exactly the extraneous files with -Delete, never in a sibling folder' {
        New-Tree $src 6
        Sync-BronzeFolder $src 'dt=2025-01-1' | Out-Null
        $sibling = New-TestFolder 'sibling'; New-Tree $sibling 2
        Sync-BronzeFolder $sibling 'dt=2025-01-10/' | Out-Null
        $gone = Get-ChildItem $src -Recurse -File | Select-Object -First 2
        $gone | Remove-Item

        $summary = Sync-BronzeFolder $src 'dt=2025-01-1' -Delete
        $summary.Deleted | Should -Be 2
        (Get-BronzeFileList 'dt=2025-01-1/').Path | Sort-Object | Should -Be (Get-ChildItem $src -Recurse -File | ForEach-Object { 'dt=2025-01-1/' + [IO.Path]::GetRelativePath($src, $_.FullName).Replace('\', '/') } | Sort-Object)
        @(Get-BronzeFileList 'dt=2025-01-10/').Count | Should -Be 2
    }

    It 'deletes nothing when one transfer fails' {
        New-Tree $src 4
        Sync-BronzeFolder $src 'f/' | Out-Null
        Get-ChildItem $src -Recurse -File | Select-Object -First 1 | Remove-Item
        New-TestFile (Join-Path $src "bad`u{1}name.csv") -Size 10 | Out-Null # a name no remote path may have

        $summary = Sync-BronzeFolder $src 'f/' -Delete -ErrorVariable errs -ErrorAction SilentlyContinue -WarningVariable warns -WarningAction SilentlyContinue
        $summary.Failed | Should -Be 1
        $summary.Deleted | Should -Be 0
        @($errs).Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'SyncBronzeFolderInvalidPath,*'
        "$warns" | Should -Match '1 extraneous files were not deleted because 1 files failed'
        @(Get-BronzeFileList 'f/').Count | Should -Be 4
    }

    It 'refuses every delete above -MaxDelete, and -WhatIf changes nothing' {
        New-Tree $src 5
        Sync-BronzeFolder $src 'm/' | Out-Null
        Get-ChildItem $src -Recurse -File | Select-Object -First 3 | Remove-Item
        New-TestFile (Join-Path $src 'new.csv') -Size 10 | Out-Null

        $plan = Sync-BronzeFolder $src 'm/' -Delete -WhatIf -PassThru
        ($plan | Where-Object Action -eq 'Delete').Count | Should -Be 3
        ($plan | Where-Object Action -eq 'Upload').Path | Should -Be 'new.csv'
        $plan.Result | Sort-Object -Unique | Should -Be 'Planned'
        @(Get-BronzeFileList 'm/').Count | Should -Be 5

        $summary = Sync-BronzeFolder $src 'm/' -Delete -MaxDelete 2 -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'SyncBronzeFolderMaxDeleteExceeded,*'
        $errs[0].Exception.Message | Should -Match '3 files would be deleted, more than -MaxDelete 2: nothing was deleted'
        $summary.Deleted | Should -Be 0
        $summary.Uploaded | Should -Be 1
        @(Get-BronzeFileList 'm/').Count | Should -Be 6
    }

    It 'downloads until the local folder equals the remote one, and never counts .mfpart files' {
        New-Tree $src 5
        Sync-BronzeFolder $src 'd/' | Out-Null
        $dest = New-TestFolder 'sync-dest'
        New-Item -ItemType Directory (Join-Path $dest 'dt=2025-01-02') | Out-Null
        [IO.File]::WriteAllBytes((Join-Path $dest 'dt=2025-01-02/.part-1.csv.0123456789ab.mfpart'), [byte[]]::new(10)) # a killed download's leftover
        New-TestFile (Join-Path $dest 'stale.csv') -Size 10 | Out-Null

        $summary = Sync-BronzeFolder $dest 'd/' -Direction Download -Delete
        $summary.Downloaded | Should -Be 5
        $summary.Deleted | Should -Be 1
        $tree = Get-Tree $dest
        $tree.ContainsKey('dt=2025-01-02/.part-1.csv.0123456789ab.mfpart') | Should -BeTrue # left alone: not a file of the sync
        $tree.Remove('dt=2025-01-02/.part-1.csv.0123456789ab.mfpart')
        ($tree.Keys | Sort-Object) | Should -Be ((Get-Tree $src).Keys | Sort-Object)
        foreach ($k in $tree.Keys) { $tree[$k] | Should -Be (Get-Tree $src)[$k] }

        $again = Sync-BronzeFolder $dest 'd/' -Direction Download -Delete
        $again.Downloaded + $again.Deleted | Should -Be 0
        Compare-BronzeFolder $dest 'd/' -Direction Download -Quiet | Should -BeTrue
    }
}

Describe 'Compare-BronzeFolder' {
    BeforeAll {
        $script:store = New-TestFolder 'cmp-store'
        Connect-BronzeStorage -Backend Local -Path $store
        $script:src = New-TestFolder 'cmp-src'
        New-Tree $src 3
        Sync-BronzeFolder $src 'c/' | Out-Null
        $files = Get-ChildItem $src -Recurse -File | Sort-Object FullName
        New-TestFile $files[0].FullName -Size 50 -Seed 77 | Out-Null
        New-TestFile (Join-Path $src 'only-local.csv') -Size 5 | Out-Null
        New-TestFile (Join-Path $store 'c/only-remote.csv') -Size 5 | Out-Null
    }
    AfterAll { Disconnect-BronzeStorage -All }

    It 'reports each difference once, equal paths only with -IncludeEqual' {
        $diff = Compare-BronzeFolder $src 'c'
        ($diff | Where-Object Path -eq 'only-local.csv').Status | Should -Be 'LocalOnly'
        ($diff | Where-Object Path -eq 'only-remote.csv').Status | Should -Be 'RemoteOnly'
        @($diff | Where-Object Status -eq 'Different').Count | Should -Be 1
        ($diff | Where-Object Status -eq 'Different').Reason | Should -Be 'size differs'
        @($diff).Count | Should -Be 3
        @(Compare-BronzeFolder $src 'c' -IncludeEqual | Where-Object Status -eq 'Equal').Count | Should -Be 2
        Compare-BronzeFolder $src 'c' -Quiet | Should -BeFalse
        Compare-BronzeFolder $src 'c' -Exclude 'only-*', 'dt=*' -Quiet | Should -BeTrue
    }

    It 'shows a table a person can read' {
        $text = Compare-BronzeFolder $src 'c' | Out-String
        $text | Should -Match 'Status\s+LocalSize\s+RemoteSize\s+Reason\s+Path'
        $text | Should -Match 'LocalOnly\s+5 B\s+only local\s+only-local.csv'
    }

    It 'rejects a shard that is not i/n' {
        { Sync-BronzeFolder $src 'c' -Shard '4/4' } | Should -Throw -ErrorId 'ParameterArgumentValidationError,MedallionFoundry.Commands.SyncBronzeFolderCommand'
    }
}

Describe 'Sync-BronzeFolder in Azure Pipelines' {
    It 'names the failed file and fails the step; a clean re-run does not' {
        $store = New-TestFolder 'tf-store'
        $src = New-TestFolder 'tf-src'
        New-Tree $src 3
        New-TestFile (Join-Path $src "bad`u{1}name.csv") -Size 10 | Out-Null
        $script = "Import-Module '$script:ModuleManifest'; Connect-BronzeStorage -Backend Local -Path '$store' | Out-Null; Sync-BronzeFolder '$src' 'x/' -ErrorAction Continue | Out-Null"
        $run = Invoke-ChildPwsh $script @{ TF_BUILD = 'True' }
        $run.Output | Should -Match '##vso\[task.logissue type=error\]SyncBronzeFolderInvalidPath: '
        $run.Output | Should -Match '##vso\[task.complete result=Failed;\]Sync-BronzeFolder: 1 of 4 files failed'

        Remove-Item -LiteralPath (Join-Path $src "bad`u{1}name.csv")
        $clean = Invoke-ChildPwsh $script @{ TF_BUILD = 'True' }
        $clean.Output | Should -Not -Match '##vso\[task.complete result=Failed'
        @(Get-ChildItem $store -Recurse -File).Count | Should -Be 3
    }
}

Describe 'A remote folder that cannot be listed' {
    AfterEach { Disconnect-BronzeStorage -All -ErrorAction SilentlyContinue }

    It 'ends <_> with one terminating error, not one error per file' -ForEach @('Sync-BronzeFolder', 'Compare-BronzeFolder') {
        $command = $_
        $src = New-TestFolder 'nobucket'
        New-Tree $src 5
        $script:Bucket, $saved = "mf-missing-$([guid]::NewGuid().ToString('N').Substring(0, 10))", $script:Bucket
        try { Invoke-Expression ((Get-ConnectCommand 'S3' 'p') + ' -SkipCheck') } finally { $script:Bucket = $saved } # as if the bucket went away after connecting
        $errors = @()
        try { & $command $src 'x/' -ErrorVariable +errors -ErrorAction SilentlyContinue | Out-Null; throw 'no terminating error' }
        catch { $_.FullyQualifiedErrorId | Should -BeLike "$($command.Replace('-', ''))ContainerNotFound,*" }
        $errors.Count | Should -Be 1 # the terminating error itself: none per file
        $record = if ($errors[0] -is [Management.Automation.ErrorRecord]) { $errors[0] } else { $errors[0].ErrorRecord }
        $record.FullyQualifiedErrorId | Should -BeLike "$($command.Replace('-', ''))ContainerNotFound,*"
    }
}

Describe 'Objects written by other tools, on the S3 server' {
    BeforeAll {
        $script:prefix = "peers-$([guid]::NewGuid().ToString('N').Substring(0, 10))"
        Invoke-Expression (Get-ConnectCommand 'S3' $prefix)
        $script:src = New-TestFolder 'peers'
        New-TestFile (Join-Path $src 'aws/big.bin') -Size (20MB) -Seed 3 | Out-Null
        New-TestFile (Join-Path $src 'aws/small.csv') -Size 3000 -Seed 4 | Out-Null
        New-TestFile (Join-Path $src 'rclone/r1.bin') -Size (6MB + 1) -Seed 5 | Out-Null
        New-TestFile (Join-Path $src 'rclone/r2.csv') -Size 1234 -Seed 6 | Out-Null
        Get-ChildItem $src -Recurse -File | ForEach-Object { $_.LastWriteTimeUtc = [DateTime]::UtcNow.AddHours(-1) }

        $awsConfig = New-TemporaryFile
        $awsEnv = @{ AWS_ACCESS_KEY_ID = $env:MF_TEST_S3_ACCESS_KEY; AWS_SECRET_ACCESS_KEY = $env:MF_TEST_S3_SECRET_KEY; AWS_DEFAULT_REGION = 'us-east-1'; AWS_CONFIG_FILE = $awsConfig.FullName; AWS_SHARED_CREDENTIALS_FILE = $awsConfig.FullName }
        # aws-cli uploads files of 8 MiB or more as multipart uploads of 8 MiB parts (its defaults).
        & /usr/bin/env -u AWS_CA_BUNDLE @($awsEnv.Keys | ForEach-Object { "$_=$($awsEnv[$_])" }) /usr/bin/aws --endpoint-url $env:MF_TEST_S3_ENDPOINT s3 cp --recursive --only-show-errors (Join-Path $src 'aws') "s3://$script:Bucket/$prefix/p/aws/" 2>&1 | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "aws s3 cp failed ($LASTEXITCODE)" }
        $rcloneConfig = New-TemporaryFile
        Set-Content $rcloneConfig.FullName "[s3b]`ntype = s3`nprovider = Other`naccess_key_id = $env:MF_TEST_S3_ACCESS_KEY`nsecret_access_key = $env:MF_TEST_S3_SECRET_KEY`nendpoint = $env:MF_TEST_S3_ENDPOINT`nforce_path_style = true`nregion = us-east-1`n"
        & /usr/bin/env -u AWS_CA_BUNDLE /usr/bin/rclone --config $rcloneConfig.FullName --s3-upload-cutoff 5M copy (Join-Path $src 'rclone') "s3b:$script:Bucket/$prefix/p/rclone/" 2>&1 | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "rclone copy failed ($LASTEXITCODE)" }
    }
    AfterAll { Disconnect-BronzeStorage -All }

    It 'finds them equal to the local files' {
        $all = Compare-BronzeFolder $src 'p' -IncludeEqual -Verbose 4>&1
        $results = $all | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] }
        @($results).Count | Should -Be 4
        $results.Status | Sort-Object -Unique | Should -Be 'Equal'
        ($results | Where-Object Path -eq 'aws/big.bin').RemoteSize | Should -Be (20MB)
        (Sync-BronzeFolder $src 'p').Uploaded | Should -Be 0
    }

    It 'finds a same-size change in each of them' {
        foreach ($f in Get-ChildItem $src -Recurse -File) {
            $t = $f.LastWriteTimeUtc
            $s = [IO.File]::Open($f.FullName, 'Open', 'ReadWrite'); try { $s.Position = 1000; $b = $s.ReadByte(); $s.Position = 1000; $s.WriteByte($b -bxor 0x5A) } finally { $s.Dispose() }
            $f.LastWriteTimeUtc = $t
        }
        $results = Compare-BronzeFolder $src 'p' -IncludeEqual
        @($results | Where-Object Status -eq 'Different').Count | Should -Be 4
    }
}

Describe 'Four processes with -Shard 0/4 .. 3/4' {
    BeforeAll {
        $script:store = New-TestFolder 'shard-store'
        $script:src = New-TestFolder 'shard-src'
        1..60 | ForEach-Object { New-TestFile (Join-Path $src "t/dt=2025-01-$('{0:D2}' -f ($_ % 28 + 1))/part-$_.csv") -Size (100 + $_) -Seed $_ } | Out-Null
    }

    It 'transfer every file exactly once between them (<_>)' -ForEach @('Sync-BronzeFolder', 'Send-BronzeFile', 'Get-BronzeFile') {
        $command = $_
        $remote = "shard-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $dest = New-TestFolder 'shard-dest'
        if ($command -eq 'Get-BronzeFile') {
            Connect-BronzeStorage -Backend Local -Path $store
            Sync-BronzeFolder (Join-Path $src 't') "$remote/" | Out-Null
            Disconnect-BronzeStorage -All
        }
        $line = switch ($command) {
            'Sync-BronzeFolder' { "Sync-BronzeFolder '$src/t' '$remote/' -Shard `$shard -PassThru | Where-Object Action -eq Upload | ForEach-Object Path" }
            'Send-BronzeFile' { "Send-BronzeFile '$src/t' '$remote/' -Recurse -Shard `$shard -PassThru | ForEach-Object { `$_.Path.Substring('$remote/'.Length) }" }
            'Get-BronzeFile' { "Get-BronzeFileList '$remote/' | Get-BronzeFile -Destination '$dest' -Shard `$shard | ForEach-Object { [IO.Path]::GetRelativePath('$dest/$remote', `$_.FullName).Replace('\', '/') }" }
        }
        $children = 0..3 | ForEach-Object {
            # The paths go to a file: in CI the summary line is written to the host, which is stdout here.
            $outFile = Join-Path ([IO.Path]::GetTempPath()) "mf-shard-$([guid]::NewGuid().ToString('N')).txt"
            $script = "Import-Module '$script:ModuleManifest'; `$shard = '$_/4'; Connect-BronzeStorage -Backend Local -Path '$store' | Out-Null; $line | Set-Content -LiteralPath '$outFile'"
            $file = Join-Path ([IO.Path]::GetTempPath()) "mf-shard-$([guid]::NewGuid().ToString('N')).ps1"
            Set-Content $file $script
            $info = [Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
            foreach ($a in @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', $file)) { $info.ArgumentList.Add($a) }
            $info.RedirectStandardOutput = $true
            $info.UseShellExecute = $false
            [pscustomobject]@{ Process = [Diagnostics.Process]::Start($info); File = $file; OutFile = $outFile }
        }
        $paths = foreach ($c in $children) {
            $null = $c.Process.StandardOutput.ReadToEnd()
            $c.Process.WaitForExit()
            Remove-Item $c.File
            $c.Process.ExitCode | Should -Be 0
            $lines = @(Get-Content -LiteralPath $c.OutFile | ForEach-Object Trim | Where-Object { $_ })
            Remove-Item -LiteralPath $c.OutFile
            $lines.Count | Should -BeGreaterThan 0 # each shard has work: the split is spread
            $lines
        }
        $expected = Get-ChildItem (Join-Path $src 't') -Recurse -File | ForEach-Object { [IO.Path]::GetRelativePath((Join-Path $src 't'), $_.FullName).Replace('\', '/') } | Sort-Object
        @($paths).Count | Should -Be 60 # no file twice
        ($paths | Sort-Object) | Should -Be $expected
    }
}
