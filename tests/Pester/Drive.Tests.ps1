# The Bronze provider as a user meets it: Connect-BronzeStorage -Name lake gives a lake: drive, and the
# FileSystem commands work on it, on the local disk, the S3 test server and Azurite alike.
BeforeDiscovery {
    $script:Backends = @(
        @{ Backend = 'Local' }
        @{ Backend = 'S3' }
        @{ Backend = 'Azure' }
    )
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Work = New-TestFolder 'drive'

    # Opens a connection named $Name on a fresh bucket / container / folder, with a key prefix where the
    # backend has one. Fails (never skips) when the test server is missing.
    function Connect-TestStore([string] $Backend, [string] $Name) {
        $unique = "mf-drive-$([guid]::NewGuid().ToString('N').Substring(0, 12))"
        switch ($Backend) {
            'Local' { Connect-BronzeStorage -Backend Local -Path (New-TestFolder "drive-$Name") -Name $Name }
            'S3' {
                $endpoint = Get-RequiredTestVariable 'MF_TEST_S3_ENDPOINT'
                $key = Get-RequiredTestVariable 'MF_TEST_S3_ACCESS_KEY'
                $secret = Get-RequiredTestVariable 'MF_TEST_S3_SECRET_KEY'
                Import-ModuleSdk AWSSDK.Core, AWSSDK.S3
                $config = [Amazon.S3.AmazonS3Config]@{ ServiceURL = $endpoint; ForcePathStyle = $true; AuthenticationRegion = 'us-east-1' }
                $client = [Amazon.S3.AmazonS3Client]::new([Amazon.Runtime.BasicAWSCredentials]::new($key, $secret), $config)
                try { $null = $client.PutBucketAsync($unique).GetAwaiter().GetResult() } finally { $client.Dispose() }
                $credential = [pscredential]::new($key, (ConvertTo-SecureString $secret -AsPlainText -Force))
                Connect-BronzeStorage -Backend S3 -Bucket $unique -EndpointUrl $endpoint -Credential $credential -Prefix 'bronze' -Name $Name
            }
            'Azure' {
                $connectionString = Get-RequiredTestVariable 'MF_TEST_AZURE_CONNECTION_STRING'
                Connect-BronzeStorage -Backend Azure -Container $unique -ConnectionString $connectionString -CreateContainer -Prefix 'bronze' -Name $Name
            }
        }
    }

    # The layout every test starts from; every folder has a file of its own, so one-level listings do
    # not meet the S3 test server's deep-delimiter defect (see S3ServerKnownDefects).
    $script:Layout = [ordered]@{
        'system=crm/readme.txt'                     = 120
        'system=crm/table=a/schema.json'            = 300
        'system=crm/table=a/dt=2025-01-1/part-1.csv'  = 70000
        'system=crm/table=a/dt=2025-01-1/part-2.csv'  = 1500
        'system=crm/table=a/dt=2025-01-10/part-1.csv' = 2500
    }
    $script:Seed = Join-Path $script:Work 'seed'
    $i = 0
    foreach ($path in $script:Layout.Keys) { New-TestFile -Path (Join-Path $script:Seed $path) -Size $script:Layout[$path] -Seed (++$i) | Out-Null }

    # Uploads the layout (which also creates an Azure container on first use) and removes anything else.
    function Reset-Lake([string] $Name = 'lake') {
        Send-BronzeFile -Path $script:Seed -Destination '' -Recurse -Connection $Name
        Get-BronzeFileList -Connection $Name | Where-Object Path -notin $script:Layout.Keys | Remove-BronzeFile
    }

    function Get-RemoteHashes([string] $Prefix, [string] $Name = 'lake') {
        $down = New-TestFolder 'drive-down'
        Get-BronzeFileList -Prefix $Prefix -Connection $Name | Get-BronzeFile -Destination $down | Out-Null
        Get-LocalHashes (Join-Path $down $Prefix)
    }

    # Relative path (with '/') -> SHA256 of every file below a local folder.
    function Get-LocalHashes([string] $Folder) {
        $hashes = @{}
        if (-not (Test-Path $Folder)) { return $hashes }
        foreach ($file in Get-ChildItem -LiteralPath $Folder -File -Recurse) {
            $hashes[[IO.Path]::GetRelativePath($Folder, $file.FullName).Replace('\', '/')] = (Get-FileHash -LiteralPath $file.FullName).Hash
        }
        $hashes
    }

    function Get-Paths([string] $Prefix = '', [string] $Name = 'lake') { @(Get-BronzeFileList -Prefix $Prefix -Connection $Name | ForEach-Object Path | Sort-Object) }
}

AfterAll {
    Set-Location $script:Work
    Disconnect-BronzeStorage -All -ErrorAction SilentlyContinue
    Set-Location ([IO.Path]::GetTempPath())
    if ($script:Work) { Remove-Item $script:Work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'A Bronze drive on <Backend>' -ForEach $Backends {
    BeforeAll {
        Connect-TestStore -Backend $Backend -Name lake
        Reset-Lake
    }

    AfterAll {
        Set-Location $script:Work
        Disconnect-BronzeStorage -Name lake -ErrorAction SilentlyContinue
    }

    It 'Connect-BronzeStorage -Name lake makes lake:, rooted at the connection''s prefix, with no secret in it' {
        $drive = Get-PSDrive lake
        $drive.Provider.Name | Should -Be 'Bronze'
        $drive.Root | Should -Be 'lake:'
        $drive.Description | Should -Match "Bronze $($Backend.ToLowerInvariant()) storage 'lake'"
        foreach ($secret in @($env:MF_TEST_S3_SECRET_KEY, $env:MF_TEST_AZURE_KEY) | Where-Object { $_ }) {
            ($drive | Format-List * | Out-String) | Should -Not -Match ([regex]::Escape($secret))
        }
        (Get-Item lake:/system=crm/readme.txt).Key | Should -Be $(if ($Backend -eq 'Local') { 'system=crm/readme.txt' } else { 'bronze/system=crm/readme.txt' })
    }

    It 'Get-ChildItem lists one level: folders as folders, files as the RemoteObjects of Get-BronzeFileList' {
        $items = @(Get-ChildItem lake:/system=crm/table=a)
        $items.PSChildName | Should -Be @('dt=2025-01-1', 'dt=2025-01-10', 'schema.json')
        $items.PSIsContainer | Should -Be @($true, $true, $false)
        $items[0].IsPrefix | Should -BeTrue
        $items[2] | Should -BeOfType ([MedallionFoundry.Storage.RemoteObject])
        $items[2].Path | Should -Be 'system=crm/table=a/schema.json'
        $items[2].Size | Should -Be 300
        $items[2].Connection | Should -Be 'lake'
        $items[2].PSPath | Should -Be "MedallionFoundry\Bronze::lake:$([IO.Path]::DirectorySeparatorChar)system=crm$([IO.Path]::DirectorySeparatorChar)table=a$([IO.Path]::DirectorySeparatorChar)schema.json"
    }

    It 'Set-Location moves into a folder; relative paths and .. work from there, and .. stops at the root' {
        Set-Location lake:/system=crm/
        (Get-Location).Path.TrimEnd('/', '\') | Should -Be 'lake:/system=crm'
        @(Get-ChildItem 'table=a').PSChildName | Should -Contain 'schema.json'
        @(Get-ChildItem ../../..).PSChildName | Should -Be @('system=crm')
        Set-Location $script:Work
    }

    It 'Get-ChildItem -Recurse lists every file below (no folder items), so it pipes into Get-BronzeFile' {
        $all = @(Get-ChildItem lake:/ -Recurse)
        @($all.Path | Sort-Object) | Should -Be @($script:Layout.Keys | Sort-Object)
        @($all | Where-Object PSIsContainer).Count | Should -Be 0
        $down = New-TestFolder 'drive-pipe'
        Get-ChildItem lake:/system=crm/table=a -Recurse | Get-BronzeFile -Destination $down | Out-Null
        $expected = Get-LocalHashes $script:Seed
        $actual = Get-LocalHashes $down
        $actual.Count | Should -Be 4
        foreach ($path in $actual.Keys) { $actual[$path] | Should -Be $expected[$path] -Because $path }
    }

    It 'Get-ChildItem -Filter, -Include, -Exclude and wildcards select as on the FileSystem' {
        @(Get-ChildItem lake:/ -Recurse -Filter 'part-1.csv').Path | Sort-Object |
            Should -Be @('system=crm/table=a/dt=2025-01-1/part-1.csv', 'system=crm/table=a/dt=2025-01-10/part-1.csv')
        @(Get-ChildItem lake:/system=crm/table=a -Filter 'dt=*').PSChildName | Should -Be @('dt=2025-01-1', 'dt=2025-01-10')
        @(Get-ChildItem lake:/system=crm -Recurse -Include '*.json').Path | Should -Be @('system=crm/table=a/schema.json')
        @(Get-ChildItem lake:/system=crm/table=a/* -Exclude 'dt=*').PSChildName | Should -Be @('schema.json')
        @(Get-ChildItem 'lake:/system=crm/table=a/dt=2025-01-1*/part-1.csv').Path |
            Should -Be @('system=crm/table=a/dt=2025-01-1/part-1.csv', 'system=crm/table=a/dt=2025-01-10/part-1.csv')
    }

    It 'Get-Item, Test-Path and Resolve-Path see files and folders' {
        (Get-Item lake:/system=crm/table=a/schema.json).Size | Should -Be 300
        (Get-Item lake:/system=crm/table=a).PSIsContainer | Should -BeTrue
        Test-Path lake:/system=crm/table=a/schema.json -PathType Leaf | Should -BeTrue
        Test-Path lake:/system=crm/table=a -PathType Container | Should -BeTrue
        Test-Path lake:/system=crm/table=b | Should -BeFalse
        Test-Path lake:/system=crm/table=a/dt=2025-01 | Should -BeFalse -Because 'a folder is a whole segment, not a key prefix'
        @(Resolve-Path lake:/system=crm/table=a/dt=*).Path | Should -Be @('lake:/system=crm/table=a/dt=2025-01-1', 'lake:/system=crm/table=a/dt=2025-01-10')
        { Get-Item lake:/system=crm/nothing.csv -ErrorAction Stop } | Should -Throw -ErrorId 'PathNotFound,Microsoft.PowerShell.Commands.GetItemCommand'
    }

    It 'the path rules of the cmdlets hold: no .. out of the connection, with an error id' {
        Get-Item 'MedallionFoundry\Bronze::lake:/../escape.txt' -ErrorAction SilentlyContinue -ErrorVariable failed | Should -BeNullOrEmpty
        @($failed.FullyQualifiedErrorId) -like 'BronzeProviderInvalidPath*' | Should -Not -BeNullOrEmpty
        "$failed" | Should -Match "'\.\.' segment"
    }

    It 'Set-Content and Get-Content round-trip text; -TotalCount and -Raw work' {
        $lines = 1..500 | ForEach-Object { "line $_,$([guid]::NewGuid())" }
        $lines | Set-Content lake:/notes/lines.txt
        $back = @(Get-Content lake:/notes/lines.txt)
        $back | Should -Be $lines
        @(Get-Content lake:/notes/lines.txt -TotalCount 3) | Should -Be $lines[0..2]
        (Get-Content lake:/notes/lines.txt -Raw) | Should -Be (($lines -join [Environment]::NewLine) + [Environment]::NewLine)
        Add-Content lake:/notes/lines.txt -Value 'appended'
        @(Get-Content lake:/notes/lines.txt)[-1] | Should -Be 'appended'
        (Get-BronzeFileList -Prefix notes/ -Connection lake).Path | Should -Be @('notes/lines.txt')
    }

    It 'Clear-Content and Set-Item are refused with a message that says what to use' {
        Clear-Content lake:/notes/lines.txt -ErrorAction SilentlyContinue -ErrorVariable refused
        "$($refused[0])" | Should -Match 'Use Set-Content'
        @(Get-Content lake:/notes/lines.txt).Count | Should -Be 501
    }

    It 'New-Item -ItemType Directory creates nothing and says so; New-Item -Value writes a file' {
        $folder = New-Item lake:/empty-folder -ItemType Directory -WarningVariable warned -WarningAction SilentlyContinue
        $folder.PSIsContainer | Should -BeTrue
        "$warned" | Should -Match 'object stores have no folders'
        Test-Path lake:/empty-folder | Should -BeFalse
        New-Item lake:/notes/hello.txt -Value 'hello' | Out-Null
        Get-Content lake:/notes/hello.txt | Should -Be 'hello'
        New-Item lake:/notes/hello.txt -Value 'again' -ErrorAction SilentlyContinue -ErrorVariable exists | Out-Null
        $exists[0].FullyQualifiedErrorId | Should -BeLike 'BronzeProviderAlreadyExists*'
        Get-Content lake:/notes/hello.txt | Should -Be 'hello'
    }

    It 'Copy-Item copies a file and, with -Recurse, a folder within the drive, every byte equal' {
        Copy-Item lake:/system=crm/table=a/schema.json lake:/copies/
        (Get-Item lake:/copies/schema.json).Size | Should -Be 300
        Copy-Item lake:/system=crm/table=a lake:/copies/ -Recurse
        $copied = Get-RemoteHashes 'copies/table=a/'
        $original = Get-RemoteHashes 'system=crm/table=a/'
        $copied.Count | Should -Be 4
        foreach ($path in $original.Keys) { $copied[$path] | Should -Be $original[$path] -Because $path }
    }

    It 'Copy-Item of a folder without -Recurse, or into itself, is refused and copies nothing' {
        $before = Get-Paths
        Copy-Item lake:/system=crm/table=a lake:/nothing -ErrorAction SilentlyContinue -ErrorVariable refused
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'BronzeProviderInvalidArgument*'
        Copy-Item lake:/system=crm lake:/system=crm/table=a -Recurse -ErrorAction SilentlyContinue -ErrorVariable itself
        "$($itself[0])" | Should -Match 'into itself'
        Get-Paths | Should -Be $before
    }

    It 'Move-Item and Rename-Item move the bytes and remove the source only after' {
        Move-Item lake:/copies/table=a lake:/moved
        Get-Paths 'copies/table=a/' | Should -BeNullOrEmpty
        Get-Paths 'moved/' | Should -Be @('moved/dt=2025-01-1/part-1.csv', 'moved/dt=2025-01-1/part-2.csv', 'moved/dt=2025-01-10/part-1.csv', 'moved/schema.json')
        Rename-Item lake:/moved/schema.json schema-v2.json
        Test-Path lake:/moved/schema.json | Should -BeFalse
        (Get-Item lake:/moved/schema-v2.json).Size | Should -Be 300
    }

    It 'Remove-Item -Recurse -WhatIf deletes nothing' {
        $before = Get-Paths
        Remove-Item lake:/system=crm/table=a/dt=2025-01-1 -Recurse -WhatIf
        Remove-Item lake:/system=crm -Recurse -WhatIf
        Get-Paths | Should -Be $before
    }

    It 'Remove-Item -Recurse deletes exactly the folder: dt=2025-01-10/ survives dt=2025-01-1' {
        $before = Get-Paths
        Remove-Item lake:/system=crm/table=a/dt=2025-01-1 -Recurse
        $after = Get-Paths
        $after | Should -Be @($before | Where-Object { -not $_.StartsWith('system=crm/table=a/dt=2025-01-1/') })
        $after | Should -Contain 'system=crm/table=a/dt=2025-01-10/part-1.csv'
        Remove-Item lake:/system=crm/readme.txt
        Get-Paths 'system=crm/readme.txt' | Should -BeNullOrEmpty
    }

    It 'Get-ChildItem -Recurse | Remove-BronzeFile removes what the drive listed' {
        Get-ChildItem lake:/moved -Recurse | Remove-BronzeFile
        Get-Paths 'moved/' | Should -BeNullOrEmpty
        Test-Path lake:/moved | Should -BeFalse
    }

    It 'completes drive paths natively: lake:/sys<Tab>' {
        Reset-Lake
        $line = 'Get-ChildItem lake:/sys'
        $completion = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $completion.CompletionMatches.CompletionText | Should -Contain 'lake:/system=crm'
        ($completion.CompletionMatches | Where-Object CompletionText -eq 'lake:/system=crm').ResultType | Should -Be 'ProviderContainer'
    }

    It 'New-PSDrive -Root <connection>:<folder> makes another drive; Disconnect-BronzeStorage removes both' {
        New-PSDrive -Name crm -PSProvider Bronze -Root 'lake:system=crm/table=a' | Out-Null
        @(Get-ChildItem crm:/).PSChildName | Should -Be @('dt=2025-01-1', 'dt=2025-01-10', 'schema.json')
        (Get-Item crm:/schema.json).Path | Should -Be 'system=crm/table=a/schema.json'
        New-PSDrive -Name bad -PSProvider Bronze -Root 'nosuchconnection:x' -ErrorAction SilentlyContinue -ErrorVariable missing | Out-Null
        "$missing" | Should -Match "no connection named 'nosuchconnection'"
        Disconnect-BronzeStorage -Name lake
        Get-PSDrive -Name lake, crm -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Connect-TestStore -Backend $Backend -Name lake
        Reset-Lake
    }
}

Describe 'Bronze drives across connections and at scale' {
    It 'copies between two drives on two connections: Copy-Item a:/x/f b:/y/' {
        Connect-TestStore -Backend Local -Name a
        Connect-TestStore -Backend S3 -Name b
        Reset-Lake -Name a
        Copy-Item a:/system=crm/table=a/schema.json b:/y/
        Copy-Item a:/system=crm/table=a b:/y/ -Recurse
        Get-Paths -Name b | Should -Be @('y/schema.json', 'y/table=a/dt=2025-01-1/part-1.csv', 'y/table=a/dt=2025-01-1/part-2.csv', 'y/table=a/dt=2025-01-10/part-1.csv', 'y/table=a/schema.json')
        $copied = Get-RemoteHashes 'y/table=a/' -Name b
        $original = Get-RemoteHashes 'system=crm/table=a/' -Name a
        foreach ($path in $original.Keys) { $copied[$path] | Should -Be $original[$path] -Because $path }
        Disconnect-BronzeStorage -Name a
        Disconnect-BronzeStorage -Name b
    }

    It 'a one-level Get-ChildItem of 10,000 files starts printing within a second' {
        $root = New-TestFolder 'drive-big'
        $folder = New-Item -ItemType Directory (Join-Path $root 'big')
        foreach ($i in 1..10000) { [IO.File]::WriteAllText((Join-Path $folder "part-$($i.ToString('00000')).csv"), 'x') }
        Connect-BronzeStorage -Backend Local -Path $root -Name big
        # Best of five after a warm-up: the machine running the suite is shared, the design is what is measured.
        $null = Get-ChildItem big:/big | Select-Object -First 1
        $first = 1..5 | ForEach-Object { (Measure-Command { $script:firstItem = Get-ChildItem big:/big | Select-Object -First 1 }).TotalSeconds } | Measure-Object -Minimum
        $script:firstItem.Path | Should -Be 'big/part-00001.csv'
        $first.Minimum | Should -BeLessThan 1
        @(Get-ChildItem big:/big).Count | Should -Be 10000
        Disconnect-BronzeStorage -Name big
    }

    It 'listing streams (Select-Object -First 5 stops after the first page) and Remove-Item -Recurse deletes in batches (requests counted on the wire)' {
        Connect-TestStore -Backend S3 -Name pages
        $source = New-TestFolder 'drive-pages'
        foreach ($i in 1..2001) { [IO.File]::WriteAllText((Join-Path $source "f-$($i.ToString('00000')).csv"), 'x') }
        Send-BronzeFile -Path $source -Destination 'many/' -Recurse -Connection pages -ThrottleLimit 16
        $bucket = (Get-BronzeStorage -Name pages).Location -replace '^s3://([^/]+).*', '$1'
        $proxy = Start-FaultProxy -Target (Get-RequiredTestVariable 'MF_TEST_S3_ENDPOINT')
        try {
            $key = Get-RequiredTestVariable 'MF_TEST_S3_ACCESS_KEY'
            $credential = [pscredential]::new($key, (ConvertTo-SecureString (Get-RequiredTestVariable 'MF_TEST_S3_SECRET_KEY') -AsPlainText -Force))
            Connect-BronzeStorage -Backend S3 -Bucket $bucket -EndpointUrl $proxy.Url -Credential $credential -Prefix 'bronze' -Name counted
            function Get-Requests { ($proxy.Stats() -replace '.*requests=(\d+).*', '$1') -as [int] }
            $start = Get-Requests
            @(Get-ChildItem counted:/many -Recurse | Select-Object -First 5).Count | Should -Be 5
            Start-Sleep -Milliseconds 300 # a page fetched ahead finishes and is counted
            $early = (Get-Requests) - $start
            $start = Get-Requests
            @(Get-ChildItem counted:/many -Recurse).Count | Should -Be 2001
            $full = (Get-Requests) - $start
            # Three pages of 1,000 exist; the early stop fetched the first and at most one ahead.
            $early | Should -BeLessThan $full
            ($full - $early) | Should -BeGreaterOrEqual 1
            # Remove-Item -Recurse deletes in batches of 1,000 keys: a few requests, not 2,001.
            $start = Get-Requests
            Remove-Item counted:/many -Recurse
            $removeRequests = (Get-Requests) - $start
            $removeRequests | Should -BeLessThan 20
            Get-Paths 'many/' -Name pages | Should -BeNullOrEmpty
        }
        finally {
            Disconnect-BronzeStorage -Name counted -ErrorAction SilentlyContinue
            Disconnect-BronzeStorage -Name pages -ErrorAction SilentlyContinue
            $proxy.Stop()
        }
    }

    It 'a hostile key planted in the store is reported with an id and skipped, never addressed' {
        if ($IsWindows) { Set-ItResult -Inconclusive -Because "a file name holding '\' can only be planted where '\' is not a separator"; return }
        $root = New-TestFolder 'drive-hostile'
        New-Item -ItemType Directory (Join-Path $root 'evil') | Out-Null
        [IO.File]::WriteAllText((Join-Path $root 'evil/ok.txt'), 'ok')
        $planted = "$root/evil/a\..\..\x.txt" # one file name on Linux (Join-Path would turn the '\' into '/')
        [IO.File]::WriteAllText($planted, 'planted')
        Connect-BronzeStorage -Backend Local -Path $root -Name hostile
        try {
            $listed = @(Get-ChildItem hostile:/evil -ErrorAction SilentlyContinue -ErrorVariable hostileErrors)
            $listed.Path | Should -Be @('evil/ok.txt')
            $ids = @($hostileErrors | ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { $_.FullyQualifiedErrorId } else { $_.ErrorRecord.FullyQualifiedErrorId } })
            $ids | Should -Be @('BronzeProviderInvalidPath,Microsoft.PowerShell.Commands.GetChildItemCommand') -Because ($hostileErrors | Out-String)
            Remove-Item hostile:/evil -Recurse -ErrorAction SilentlyContinue
            [IO.File]::Exists($planted) | Should -BeTrue -Because 'a key the drive cannot address is left alone'
        }
        finally { Disconnect-BronzeStorage -Name hostile }
    }

    It 'Copy-Item between the file system and a drive is refused by PowerShell itself, and writes nothing' {
        Connect-TestStore -Backend Local -Name cross
        try {
            $local = New-TestFile -Path (Join-Path (New-TestFolder 'drive-cross') 'f.bin') -Size 100
            Copy-Item $local.FullName cross:/f.bin -ErrorAction SilentlyContinue -ErrorVariable refused
            $refused[0].FullyQualifiedErrorId | Should -BeLike 'CopyItemSourceAndDestinationNotSameProvider*'
            Test-Path cross:/f.bin | Should -BeFalse
        }
        finally { Disconnect-BronzeStorage -Name cross }
    }

    It 'Copy-Item between the file system and a drive works through a drive on a local connection: both ways, -Recurse, bytes equal' {
        $disk = New-TestFolder 'drive-disk'
        Copy-Item -LiteralPath $script:Seed -Destination (Join-Path $disk 'extract') -Recurse
        Connect-BronzeStorage -Backend Local -Path $disk -Name here
        Connect-TestStore -Backend S3 -Name far
        try {
            Copy-Item here:/extract far:/landing/ -Recurse
            Copy-Item far:/landing/extract here:/back/ -Recurse
            Get-Paths -Name far | Should -Be @($script:Layout.Keys | ForEach-Object { "landing/extract/$_" } | Sort-Object)
            $back = Get-LocalHashes (Join-Path $disk 'back/extract')
            $original = Get-LocalHashes $script:Seed
            $back.Count | Should -Be $original.Count
            foreach ($path in $original.Keys) { $back[$path] | Should -Be $original[$path] -Because $path }
        }
        finally { Disconnect-BronzeStorage -Name here; Disconnect-BronzeStorage -Name far }
    }

    It 'the module exports the provider when imported in a fresh pwsh, beside the cmdlets' {
        $run = Invoke-ChildPwsh @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModuleManifest'
(Get-PSProvider Bronze).ModuleName
Connect-BronzeStorage -Backend Local -Path '$(New-TestFolder 'drive-fresh')' -Name fresh
'hi' | Set-Content fresh:/a.txt
Get-Content fresh:/a.txt
# Connections are process-wide: a new runspace, or a re-import, gets their drives back.
'PARALLEL ' + (1 | ForEach-Object -Parallel { Import-Module '$ModuleManifest'; Test-Path fresh:/a.txt })
Import-Module '$ModuleManifest' -Force
'REIMPORT ' + (Test-Path fresh:/a.txt)
"@
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'MedallionFoundry'
        $run.Output | Should -Match 'hi'
        $run.Output | Should -Match 'PARALLEL True'
        $run.Output | Should -Match 'REIMPORT True'
    }
}
